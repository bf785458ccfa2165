FROM python:3.12 AS builder
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt .
RUN pip install -r requirements.txt pyinit-pid1

FROM python:3.12-slim
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY . /app
WORKDIR /app
ENTRYPOINT ["pyinit", "--grace", "5", "--"]
CMD ["gunicorn", "-b", ":8000", "app:app"]
