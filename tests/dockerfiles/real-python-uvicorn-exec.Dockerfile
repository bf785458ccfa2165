FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uvicorn fastapi
COPY ./app /code/app
WORKDIR /code
ENTRYPOINT ["tini", "--"]
CMD exec uvicorn app.main:app --host 0.0.0.0 --port ${PORT:-8000}
