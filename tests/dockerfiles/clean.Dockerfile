FROM python:3.12-slim
RUN pip install --no-cache-dir pyinit
COPY scripts/exec-at-end.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["pyinit", "--", "docker-entrypoint.sh"]
CMD ["python", "-m", "http.server", "8000"]
STOPSIGNAL SIGTERM
