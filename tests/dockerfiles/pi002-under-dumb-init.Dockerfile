FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends dumb-init
ENTRYPOINT ["dumb-init", "--"]
# expect: PI002
CMD python app.py; echo done
