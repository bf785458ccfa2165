FROM alpine:3.20 AS scripts
COPY scripts/noexec.sh /opt/start.sh

FROM python:3.12-slim
COPY --from=scripts /opt/start.sh /usr/local/bin/start
# expect: PI003 PI004
ENTRYPOINT ["start"]
