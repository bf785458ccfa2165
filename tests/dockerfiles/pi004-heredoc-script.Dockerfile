# syntax=docker/dockerfile:1
FROM python:3.12-slim
COPY --chmod=755 <<EOF /entrypoint.sh
#!/bin/sh
set -e
python manage.py migrate
gunicorn app:wsgi
EOF
# expect: PI003 PI004
ENTRYPOINT ["/entrypoint.sh"]
