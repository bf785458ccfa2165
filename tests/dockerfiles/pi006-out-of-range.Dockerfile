FROM alpine:3.20 AS zero
STOPSIGNAL 0

FROM alpine:3.20
ENTRYPOINT ["pyinit", "--", "app"]
# expect: PI006
STOPSIGNAL 65
