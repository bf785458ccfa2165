FROM ubuntu:24.04
ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
RUN chmod +x /tini
COPY server /usr/local/bin/server
ENTRYPOINT ["/tini", "--"]
CMD ["server"]
