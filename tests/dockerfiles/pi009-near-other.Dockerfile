FROM python:3.12-slim
RUN pip install --no-cache-dir pyinit
STOPSIGNAL SIGINT
# Drops TERM, but docker stop sends INT; and TERM:INT style rewrites are fine.
ENTRYPOINT ["pyinit", "-r", "TERM:0", "-r", "INT:TERM", "--", "python", "app.py"]
