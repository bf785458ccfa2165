FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1
WORKDIR /srv
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
COPY scripts/django-entrypoint.sh /entrypoint.sh
RUN chmod +x /entrypoint.sh
# expect: PI003 PI004
ENTRYPOINT ["/entrypoint.sh"]
