FROM python:3.12-slim
ENTRYPOINT ["pyinit", "--"]
# expect: PI010
CMD ['python', 'app.py']
