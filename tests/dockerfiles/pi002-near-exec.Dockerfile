FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends tini
ENTRYPOINT ["tini", "--"]
CMD migrate --yes && exec python app.py
