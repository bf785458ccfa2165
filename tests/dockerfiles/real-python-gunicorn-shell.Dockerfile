FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
ENV PORT=8000
EXPOSE 8000
# expect: PI002 PI003
CMD gunicorn --bind 0.0.0.0:$PORT --workers 4 app:app
