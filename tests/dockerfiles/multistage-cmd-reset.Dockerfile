FROM python:3.12-slim AS base
CMD python app.py

FROM base
RUN apt-get update && apt-get install -y --no-install-recommends tini
# ENTRYPOINT here resets the CMD inherited from base: only tini runs, no shell.
ENTRYPOINT ["tini", "--", "python", "app.py"]
