FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini
ENTRYPOINT ["tini", "--"]
CMD ["sh", "-c", "python manage.py migrate && exec python app.py --port \"$PORT\""]
