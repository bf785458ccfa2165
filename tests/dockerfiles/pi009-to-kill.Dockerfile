FROM python:3.12-slim
RUN pip install --no-cache-dir pyinit
# expect: PI009
ENTRYPOINT ["pyinit", "--rewrite", "SIGTERM:KILL", "--"]
CMD ["python", "app.py"]
