FROM alpine:3.20
RUN pip install --no-cache-dir pyinit
ENTRYPOINT ["pyinit", "--", "app"]
# expect: PI006
STOPSIGNAL SIGTERMINATE
