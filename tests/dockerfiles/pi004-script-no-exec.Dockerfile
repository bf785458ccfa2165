FROM python:3.12-slim
COPY scripts/noexec.sh /usr/local/bin/docker-entrypoint.sh
# expect: PI003 PI004
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["python", "app.py"]
