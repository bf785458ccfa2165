FROM alpine:3.20 AS zero
STOPSIGNAL 0

FROM alpine:3.20
RUN pip install --no-cache-dir pyinit
ENTRYPOINT ["pyinit", "--", "app"]
# expect: PI006
STOPSIGNAL 65
