FROM python:3.12-slim AS base
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["tini", "--"]

FROM base AS web
COPY . /app
CMD ["gunicorn", "--chdir", "/app", "app:app"]
