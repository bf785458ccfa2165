FROM python:3.12-slim
RUN pip install --no-cache-dir pyinit-pid1 flask
COPY app.py /app.py
STOPSIGNAL SIGINT
ENTRYPOINT ["python", "-m", "pyinit", "--"]
CMD ["flask", "--app", "/app.py", "run", "--host", "0.0.0.0"]
