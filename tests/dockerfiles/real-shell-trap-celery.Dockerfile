FROM python:3.12-slim
RUN pip install --no-cache-dir celery
COPY scripts/celery-trap.sh /run-worker.sh
# expect: PI003
ENTRYPOINT ["sh", "/run-worker.sh"]
