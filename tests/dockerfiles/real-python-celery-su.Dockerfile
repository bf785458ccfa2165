FROM python:3.12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
RUN useradd -m celery && pip install --no-cache-dir celery
COPY proj /home/celery/proj
ENTRYPOINT ["tini", "--"]
# expect: PI013
CMD ["su", "celery", "-c", "celery -A proj worker --loglevel=info"]
