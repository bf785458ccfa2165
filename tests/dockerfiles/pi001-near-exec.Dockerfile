FROM python:3.12-slim
RUN pip install --no-cache-dir pyinit
# The shell execs pyinit, which becomes PID 1: fine.
ENTRYPOINT exec pyinit -- python app.py
