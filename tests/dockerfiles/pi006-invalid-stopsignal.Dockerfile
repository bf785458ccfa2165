FROM alpine:3.20
ENTRYPOINT ["pyinit", "--", "app"]
# expect: PI006
STOPSIGNAL SIGTERMINATE
