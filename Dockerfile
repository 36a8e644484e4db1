# syntax=docker/dockerfile:1
# jobsim in a small static image, for `jobsim sweep --emit-indexed-job N` (see README, "Sweeps").
#
#   docker build -t jobsim:latest .
#   docker run --rm jobsim:latest sweep scenarios/sweep/nightly-report.toml --seeds 1..20
#
# Stage 1 builds a static musl binary (Alpine's Rust targets x86_64/aarch64-unknown-linux-musl,
# linked statically; mimalloc's C part is compiled by its build script, hence build-base).
# Stage 2 is `scratch`: the binary and the shipped scenarios, nothing else (no shell, no libc).
# The pod's working directory is /jobsim, so the scenario paths the emitted Job names
# (`scenarios/...`) resolve there; mount other scenarios (a ConfigMap) under /jobsim too.

FROM rust:1-alpine AS build
RUN apk add --no-cache build-base
WORKDIR /src
COPY . .
# No debug info and stripped symbols in the image (the repository's release profile keeps
# line tables for profiling).
ENV CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_PROFILE_RELEASE_STRIP=symbols
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin jobsim \
 && cp target/release/jobsim /jobsim \
 && mkdir -p /out/jobsim \
 && cp -r scenarios /out/jobsim/scenarios

FROM scratch
COPY --from=build /jobsim /usr/local/bin/jobsim
COPY --from=build /out/jobsim /jobsim
WORKDIR /jobsim
# Any non-root uid: jobsim writes only to stdout and stderr.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/jobsim"]
CMD ["--help"]
