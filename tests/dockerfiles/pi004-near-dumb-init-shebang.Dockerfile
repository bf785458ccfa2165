FROM python:3.12-slim
COPY scripts/ /usr/local/bin/
ENTRYPOINT ["dumb-init-shebang.sh"]
CMD ["python", "app.py"]
