# Broken: a base image with no tag.
ARG GO_VERSION=1.26
ARG GO_IMAGE=golang:${GO_VERSION}
ARG JRE_IMAGE=eclipse-temurin
FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY supervisor/ supervisor/
COPY internal/ internal/
RUN CGO_ENABLED=0 go build -trimpath -o /out/supervisor ./supervisor

FROM ${JRE_IMAGE}
LABEL org.opencontainers.image.title=t org.opencontainers.image.description=d \
      org.opencontainers.image.version=1 org.opencontainers.image.source=s \
      org.opencontainers.image.licenses=Apache-2.0
COPY --from=build /out/supervisor /usr/local/bin/
RUN mkdir -p /var/lib/kafka && chown 1001:1001 /var/lib/kafka
ENV SUPERVISOR_DATA_DIR=/var/lib/kafka LOG_DIR=/var/lib/kafka/logs
USER 1001:1001
STOPSIGNAL SIGTERM
HEALTHCHECK CMD ["/usr/local/bin/supervisor", "probe", "/readyz"]
ENTRYPOINT ["/usr/local/bin/supervisor"]
