FROM httpd:2.4
RUN apt-get update && apt-get install -y --no-install-recommends tini
# httpd stops gracefully on SIGWINCH: silenced on purpose.
# pyinit: ignore=PI008
STOPSIGNAL SIGWINCH
ENTRYPOINT ["tini", "--", "httpd-foreground"]
