FROM python:3.12-slim AS tini
ENTRYPOINT ["/usr/bin/tini", "-g", "--"]
CMD ["python", "app.py"]

FROM python:3.12-slim AS module
ENTRYPOINT ["python3", "-m", "pyinit", "-v", "--"]
CMD ["python", "app.py"]

FROM python:3.12-slim AS s6
ENTRYPOINT ["/init"]
CMD ["python", "app.py"]

FROM python:3.12-slim AS catatonit
ENTRYPOINT ["catatonit", "-g", "--", "python", "app.py"]

FROM python:3.12-slim
ENTRYPOINT ["pyinit", "--", "gosu", "app", "python", "app.py"]
