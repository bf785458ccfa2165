FROM golang:1.22-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends tini
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /usr/bin/tini-static /tini
COPY --from=build /out/app /app
ENTRYPOINT ["/tini", "--", "/app"]
