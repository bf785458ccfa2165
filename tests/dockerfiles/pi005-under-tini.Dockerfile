FROM python:3.12-slim
ENTRYPOINT ["tini", "--"]
# expect: PI005
CMD ["/bin/bash", "-lc", "source venv/bin/activate; python app.py | tee /log"]
