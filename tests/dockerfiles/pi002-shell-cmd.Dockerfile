FROM python:3.12-slim
# expect: PI002 PI003
CMD python -m http.server 8000
