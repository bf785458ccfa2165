FROM python:3.12-slim
RUN pip install --no-cache-dir pyinit
STOPSIGNAL SIGINT
# expect: PI009
ENTRYPOINT ["pyinit", "-r", "INT:0", "--", "python", "app.py"]
