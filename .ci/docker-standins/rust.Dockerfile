# Stand-in for rust:1.95-slim-bookworm, built by .ci/docker only because Docker Hub cannot be
# reached from CI (see README.md here). Like the official image: Debian bookworm with gcc,
# libc6-dev and CA certificates, a Rust toolchain under /usr/local, cargo on PATH. The toolchain is
# the host's (the build context holds a copy), and the host's extra certificate authorities are
# trusted, because crates.io is reached through an HTTPS proxy whose authority is one of them.
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

COPY ca-certificates/ /usr/local/share/ca-certificates/
RUN update-ca-certificates

ARG RUST_VERSION
COPY toolchain/ /usr/local/rustup/toolchains/${RUST_VERSION}-x86_64-unknown-linux-gnu/
ENV RUSTUP_HOME=/usr/local/rustup \
    CARGO_HOME=/usr/local/cargo \
    RUST_VERSION=${RUST_VERSION} \
    PATH=/usr/local/cargo/bin:/usr/local/rustup/toolchains/${RUST_VERSION}-x86_64-unknown-linux-gnu/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p "$CARGO_HOME/bin" && rustc --version && cargo --version
