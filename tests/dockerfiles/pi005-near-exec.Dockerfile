FROM python:3.12-slim
ENTRYPOINT ["tini", "--"]
CMD ["sh", "-c", "python manage.py migrate && exec python app.py --port \"$PORT\""]
