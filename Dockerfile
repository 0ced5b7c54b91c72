# notion-source as an Airbyte source image.
#
#   docker build -t notion-source:dev .
#   docker run --rm notion-source:dev spec
#
# Build stage: the pinned toolchain, the whole workspace, a release build of the connector.
FROM rust:1.95.0-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p notion-cli --bin notion-source \
 && strip target/release/notion-source

# Runtime stage: a small image with CA certificates, running as a non-root user.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /airbyte --create-home airbyte
COPY --from=build /src/target/release/notion-source /usr/local/bin/notion-source
USER 10001
WORKDIR /airbyte
ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/notion-source"
ENTRYPOINT ["/usr/local/bin/notion-source"]
LABEL io.airbyte.name="notion-source/source-notion-rs" \
      io.airbyte.version="0.1.0"
