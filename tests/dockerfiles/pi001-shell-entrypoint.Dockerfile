FROM python:3.12-slim
WORKDIR /app
COPY app.py .
# expect: PI001 PI003
ENTRYPOINT python app.py --port 8000
CMD ["--verbose"]
