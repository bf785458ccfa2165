FROM python:3.11-slim
RUN pip install --no-cache-dir pyinit uvicorn fastapi
WORKDIR /code
COPY ./app /code/app
ENTRYPOINT ["pyinit", "--"]
# expect: PI002
CMD uvicorn app.main:app --host 0.0.0.0 --port ${PORT:-8000}
