FROM registry.example.com/platform/python-base:3.12
COPY . /app
# expect: PI012:warning
ENTRYPOINT ["pyinit", "--"]
CMD ["python", "/app/main.py"]
