FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends sudo tini && useradd app
COPY scripts/sudo-entrypoint.sh /usr/local/bin/start
# expect: PI004 PI013
ENTRYPOINT ["tini", "--", "start"]
