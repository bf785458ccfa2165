FROM python:3.12-slim
RUN useradd -m app
COPY scripts/su-entrypoint.sh /entrypoint.sh
# expect: PI003 PI013
ENTRYPOINT ["/entrypoint.sh"]
