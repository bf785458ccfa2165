FROM alpine:3.20 AS a
STOPSIGNAL sigquit

FROM a AS b
STOPSIGNAL 3

FROM b AS c
STOPSIGNAL RTMIN+3

FROM c
RUN pip install --no-cache-dir pyinit
ARG STOP=SIGINT
STOPSIGNAL $STOP
ENTRYPOINT ["pyinit", "--", "app"]
