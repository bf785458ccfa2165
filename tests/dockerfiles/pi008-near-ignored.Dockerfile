FROM httpd:2.4
# httpd stops gracefully on SIGWINCH: silenced on purpose.
# pyinit: ignore=PI008
STOPSIGNAL SIGWINCH
ENTRYPOINT ["tini", "--", "httpd-foreground"]
