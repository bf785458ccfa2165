FROM python:3.12-slim
# expect: PI003 PI005
ENTRYPOINT ["sh", "-c", "python manage.py migrate && python app.py"]
