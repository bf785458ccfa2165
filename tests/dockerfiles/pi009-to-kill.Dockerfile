FROM python:3.12-slim
# expect: PI009
ENTRYPOINT ["pyinit", "--rewrite", "SIGTERM:KILL", "--"]
CMD ["python", "app.py"]
