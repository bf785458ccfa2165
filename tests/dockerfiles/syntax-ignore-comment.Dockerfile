FROM python:3.12-slim
# Run with `docker run --init`, so no init in the image.
# pyinit: ignore=PI003
CMD ["python", "app.py"]
