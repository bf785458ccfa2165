FROM python:3.12-slim
WORKDIR /app
COPY . .
# expect: PI003 PI004
ENTRYPOINT ["/bin/sh", "-e", "scripts/background.sh"]
