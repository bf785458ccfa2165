FROM golang:1.22 AS build
RUN apt-get update && apt-get install -y tini
WORKDIR /src
ENTRYPOINT go run .
CMD make
STOPSIGNAL SIGKILL

FROM gcr.io/distroless/static
COPY --from=build /usr/bin/tini-static /tini
COPY --from=build /out/app /app
ENTRYPOINT ["/tini", "--", "/app"]
