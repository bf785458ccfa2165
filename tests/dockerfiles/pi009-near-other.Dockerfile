FROM python:3.12-slim
STOPSIGNAL SIGINT
# Drops TERM, but docker stop sends INT; and TERM:INT style rewrites are fine.
ENTRYPOINT ["pyinit", "-r", "TERM:0", "-r", "INT:TERM", "--", "python", "app.py"]
