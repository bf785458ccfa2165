FROM alpine:3.20
RUN apk add --no-cache tini
ENTRYPOINT ["tini", "--", "app"]
# expect: PI007
STOPSIGNAL SIGKILL
