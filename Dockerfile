# secondheart: a small runtime image that runs as a non-root user with the
# database on a volume. Build: docker build -t secondheart .
# Run:   docker run -e DISCORD_TOKEN=... -v secondheart-data:/data secondheart
# or mount the token as a secret file and set DISCORD_TOKEN_FILE=/run/secrets/discord_token.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Queries are checked against the committed .sqlx metadata; no database needed.
ENV SQLX_OFFLINE=true
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY .sqlx ./.sqlx
COPY migrations ./migrations
COPY config ./config
COPY src ./src
# The pictures' bundled font, built into the binary.
COPY assets ./assets
# The workspace's other members: cargo resolves the whole workspace, though the
# release binary is built without the sandbox feature and so without the fake.
COPY benches ./benches
COPY crates ./crates
RUN cargo build --release --locked --no-default-features --features sqlite,postgres --bin secondheart \
    && mkdir -p /out/data \
    && cp target/release/secondheart /out/secondheart

# distroless/cc: glibc, libgcc and CA certificates, no shell, user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
COPY --from=build /out/secondheart /app/secondheart
COPY --from=build /src/config /app/config
COPY --from=build --chown=65532:65532 /out/data /data
ENV SECONDHEART__DATABASE__URL=sqlite:///data/secondheart.db
# /healthz, /readyz and /metrics; the health check below asks /healthz here.
ENV SECONDHEART__HTTP__LISTEN=0.0.0.0:8080
EXPOSE 8080
VOLUME ["/data"]
USER 65532:65532
# Liveness only (/healthz): a bot that is reconnecting to Discord is not
# restarted. No shell or curl in the image: the binary asks itself.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/app/secondheart", "healthcheck"]
ENTRYPOINT ["/app/secondheart"]
CMD ["run"]
