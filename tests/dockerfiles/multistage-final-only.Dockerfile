FROM golang:1.22 AS build
WORKDIR /src
ENTRYPOINT go run .
CMD make
STOPSIGNAL SIGKILL

FROM gcr.io/distroless/static
COPY --from=build /out/app /app
ENTRYPOINT ["/tini", "--", "/app"]
