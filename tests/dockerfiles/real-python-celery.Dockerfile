FROM python:3.12-slim
RUN pip install --no-cache-dir celery[redis]
COPY proj /proj
WORKDIR /
# expect: PI003
CMD ["celery", "-A", "proj", "worker", "--loglevel=info"]
