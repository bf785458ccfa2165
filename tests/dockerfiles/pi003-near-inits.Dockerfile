FROM python:3.12-slim AS tini
RUN apt-get update && apt-get install -y --no-install-recommends tini
ENTRYPOINT ["/usr/bin/tini", "-g", "--"]
CMD ["python", "app.py"]

FROM python:3.12-slim AS module
RUN pip install --no-cache-dir pyinit
ENTRYPOINT ["python3", "-m", "pyinit", "-v", "--"]
CMD ["python", "app.py"]

FROM python:3.12-slim AS s6
ENTRYPOINT ["/init"]
CMD ["python", "app.py"]

FROM python:3.12-slim AS catatonit
RUN apt-get update && apt-get install -y catatonit
ENTRYPOINT ["catatonit", "-g", "--", "python", "app.py"]

FROM python:3.12-slim
RUN pip install --no-cache-dir pyinit
ENTRYPOINT ["pyinit", "--", "gosu", "app", "python", "app.py"]
