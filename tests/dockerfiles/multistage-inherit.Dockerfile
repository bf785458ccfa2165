FROM python:3.12-slim AS base
# expect: PI001 PI003
ENTRYPOINT python app.py
# expect: PI007
STOPSIGNAL KILL

FROM base AS test
RUN pip install pytest

FROM test
RUN echo final
