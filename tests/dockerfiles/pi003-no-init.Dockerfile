FROM python:3.12-slim
COPY . /app
# expect: PI003
CMD ["python", "/app/app.py"]
