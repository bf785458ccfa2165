FROM python:3.12-slim
# The shell execs pyinit, which becomes PID 1: fine.
ENTRYPOINT exec pyinit -- python app.py
