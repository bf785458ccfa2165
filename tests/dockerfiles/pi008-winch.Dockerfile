FROM alpine:3.20
ENTRYPOINT ["tini", "--", "app"]
# expect: PI008
STOPSIGNAL SIGWINCH
