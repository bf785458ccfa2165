FROM debian:12
ENTRYPOINT ["tini", "--"]
CMD migrate --yes && exec python app.py
