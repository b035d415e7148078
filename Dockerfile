# Container image of the Partner Center emulator.
#
#   docker build -t partner-center-emulator:local .
#   docker run --rm -p 8080:8080 partner-center-emulator:local
#
# Base images are pinned by tag. For production builds, pin them by digest as well
# (e.g. `rust:1.95-slim-bookworm@sha256:...`) so a re-pushed tag cannot change the build.

# ---------------------------------------------------------------------------------------------
# Builder: compiles the release binary. Files read at compile time must be present here: the
# SQL migrations (embedded by sqlx::migrate!), openapi.yaml and the API reference page's assets
# (the vendored Redoc bundle, served by the emulator, include_str!/include_bytes!). tests/packaging.rs derives that list from the sources and checks it.
# ---------------------------------------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /build

# Dependency cache: with only the manifests and dummy sources, this layer is rebuilt only when
# Cargo.toml or Cargo.lock change, not on every source edit.
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
RUN mkdir -p src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# The real sources. `touch` makes cargo rebuild the crate itself rather than reuse the dummy.
COPY migrations ./migrations
COPY openapi.yaml ./
COPY assets ./assets
COPY src ./src
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && strip target/release/partner-center-emulator

# ---------------------------------------------------------------------------------------------
# Runtime: a slim Debian with only CA certificates, running as an unprivileged user.
# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# Non-root user; its home is the working directory, where the default SQLite file
# (sqlite://partner-center-emulator.db) is written when DATABASE_URL is not set.
RUN groupadd --system --gid 10001 emulator \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/partner-center-emulator \
        --shell /usr/sbin/nologin emulator \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/partner-center-emulator

COPY --from=builder /build/target/release/partner-center-emulator /usr/local/bin/partner-center-emulator
# The shipped seed scenarios, usable with PCE_SEED=/usr/share/partner-center-emulator/seeds/<name>.yaml.
COPY seeds /usr/share/partner-center-emulator/seeds

WORKDIR /var/lib/partner-center-emulator
ENV PCE_LISTEN=0.0.0.0:8080
EXPOSE 8080

# Exec form, no shell and no curl: the binary probes its own /_emulator/ready endpoint on the
# port of PCE_LISTEN (and sends PCE_ADMIN_TOKEN when one is set).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=5 CMD ["partner-center-emulator", "healthcheck"]

USER 10001
ENTRYPOINT ["partner-center-emulator"]
CMD ["serve"]
