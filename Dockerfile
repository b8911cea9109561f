# Multi-stage build: a static binary on a minimal, non-root image.
# Configure by environment (LIAISONBOT_DATABASE_URL, LIAISONBOT_PLATFORM,
# LIAISONBOT_MATRIX_HOMESERVER, ...) or mount a config file and pass
# -config /etc/liaisonbot/config.yaml.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -tags goolm -trimpath -ldflags="-s -w" -o /out/liaisonbot ./cmd/liaisonbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/liaisonbot /usr/local/bin/liaisonbot
USER nonroot:nonroot
EXPOSE 8080
ENV LIAISONBOT_HTTP_LISTEN=0.0.0.0:8080
ENTRYPOINT ["/usr/local/bin/liaisonbot"]
CMD ["run"]
