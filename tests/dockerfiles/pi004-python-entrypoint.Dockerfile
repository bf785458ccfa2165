FROM python:3.12-slim
COPY scripts/entrypoint.py /entrypoint.py
# A Python script is the app, not a shell wrapper.
# expect: PI003
ENTRYPOINT ["/entrypoint.py"]
