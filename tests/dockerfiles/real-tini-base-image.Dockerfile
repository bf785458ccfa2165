FROM krallin/ubuntu-tini:jammy
COPY app /usr/local/bin/app
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["app"]
