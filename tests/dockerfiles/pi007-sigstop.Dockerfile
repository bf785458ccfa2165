FROM alpine:3.20
ENTRYPOINT ["tini", "--", "app"]
# expect: PI007
STOPSIGNAL 19
