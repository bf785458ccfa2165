FROM python:3.12-slim
RUN apt-get update && apt-get install -y tini
COPY scripts/ /usr/local/bin/
# expect: PI004
ENTRYPOINT ["tini", "--", "/usr/local/bin/noexec.sh"]
