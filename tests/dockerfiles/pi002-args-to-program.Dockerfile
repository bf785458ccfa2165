FROM python:3.12-slim
# expect: PI003
ENTRYPOINT ["python", "app.py"]
# expect: PI002
CMD --port 80
