FROM python:3.12-slim
RUN pip install --no-cache-dir pyinit
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tini \
 && rm -rf /var/lib/apt/lists/*
# expect: PI009
ENTRYPOINT ["tini", \
            "--", \
# a comment inside the continuation
            "pyinit", "-r", "TERM:0", \
            "python", "app.py"]
# expect: PI002
CMD python \
    app.py
