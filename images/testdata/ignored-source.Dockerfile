# Broken: a COPY source that .dockerignore leaves out.
ARG GO_VERSION=1.26
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY supervisor/ supervisor/
COPY internal/ internal/
COPY README.md /src/
RUN CGO_ENABLED=0 go build -trimpath -o /out/supervisor ./supervisor

FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title=t org.opencontainers.image.description=d \
      org.opencontainers.image.version=1 org.opencontainers.image.source=s \
      org.opencontainers.image.licenses=Apache-2.0
COPY --from=build /out/supervisor /usr/local/bin/
USER 1001:1001
STOPSIGNAL SIGTERM
HEALTHCHECK CMD ["/usr/local/bin/supervisor", "probe", "/readyz"]
ENTRYPOINT ["/usr/local/bin/supervisor"]
