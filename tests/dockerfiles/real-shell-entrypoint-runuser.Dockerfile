FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip \
 && pip3 install --break-system-packages pyinit && useradd app
COPY scripts/runuser-entrypoint.sh /entrypoint.sh
# expect: PI013
ENTRYPOINT ["pyinit", "--", "/entrypoint.sh"]
CMD ["python3", "-m", "http.server"]
