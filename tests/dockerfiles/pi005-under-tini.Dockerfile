FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini
ENTRYPOINT ["tini", "--"]
# expect: PI005
CMD ["/bin/bash", "-lc", "source venv/bin/activate; python app.py | tee /log"]
