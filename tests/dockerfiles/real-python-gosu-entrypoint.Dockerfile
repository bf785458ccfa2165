FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gosu tini \
 && rm -rf /var/lib/apt/lists/* && useradd app
COPY scripts/gosu-entrypoint.sh /usr/local/bin/entrypoint.sh
ENTRYPOINT ["tini", "--", "entrypoint.sh"]
CMD ["python", "-m", "app"]
