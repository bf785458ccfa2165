FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends dumb-init
# No STOPSIGNAL: docker stop sends SIGTERM (15), which this rewrite drops.
# expect: PI009
ENTRYPOINT ["dumb-init", "--rewrite=15:0", "python", "app.py"]
