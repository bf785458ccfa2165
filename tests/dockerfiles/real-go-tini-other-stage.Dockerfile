FROM golang:1.22-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends tini
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM gcr.io/distroless/base-debian12
COPY --from=build /out/app /app
# expect: PI012
ENTRYPOINT ["/usr/bin/tini", "--", "/app"]
