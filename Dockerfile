# dockgate's container image: the gateway as the only holder of the engine socket, as a non-root user.
#
#   docker build -t dockgate .
#   docker run -d --name dockgate --group-add "$(stat -c %g /var/run/docker.sock)" \
#     -v /var/run/docker.sock:/var/run/docker.sock -v /run/dockgate:/run/dockgate dockgate
#
# The engine socket is reached through its group (--group-add / compose `group_add:`), never as root:
# nothing in the image runs as root, the build's RUN steps aside. deploy/compose/ has recipes.
#
# Two stages on the same Debian release (bookworm), so that the addons compiled in the first run on the
# second's C library: the full `node` image already has python3, make and g++ for node-gyp (no apt, no
# network but the npm registry), and the slim one carries Node and little else. Nothing here downloads
# a binary for the builder's architecture: `docker build --platform linux/arm64` (buildx with QEMU in CI)
# pulls the arm64 variants of both images and compiles the addons for arm64 inside the first one.

FROM node:20-bookworm AS build
WORKDIR /src
# Dependencies and the two Node-API addons first, so that a change to src/ alone reuses this layer.
# --ignore-scripts keeps npm from running `prepare` (tsc, which needs src/) before src/ is copied;
# `npm run install` then builds the addons into build/Release/ with node-gyp, against the image's
# own Node headers (native/build-addon.mjs).
COPY package.json package-lock.json binding.gyp ./
COPY native/ native/
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run install
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
COPY bin/ bin/
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="dockgate" \
      org.opencontainers.image.description="A security gateway for the Docker daemon: every request understood, judged per client and recorded before it reaches the engine." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="node:20-bookworm-slim"
# A system user of its own (fixed ids, so that volumes and `--user` checks can name them), and the
# directories it owns: /run/dockgate for the Engine API sockets (mount a volume or a host directory there
# to hand them to applications), /run/dockgate-admin for the admin socket, which stays private, and
# /var/lib/dockgate for state (TLS material from `dockgate certs`, an audit log). A named volume mounted on
# one of them starts with its owner, so the gateway can write there without root.
RUN groupadd --gid 10001 dockgate \
 && useradd --uid 10001 --gid dockgate --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin dockgate \
 && install -d -o dockgate -g dockgate -m 0755 /run/dockgate \
 && install -d -o dockgate -g dockgate -m 0700 /run/dockgate-admin /var/lib/dockgate
WORKDIR /app
# Owned by root and read-only to the gateway: the process cannot rewrite its own code.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules/ node_modules/
COPY --from=build /src/build/Release/peer_credentials.node /src/build/Release/process_hardening.node build/Release/
COPY --from=build /src/dist/ dist/
COPY --from=build /src/bin/ bin/
RUN ln -s /app/bin/dockgate.js /usr/local/bin/dockgate
ENV NODE_ENV=production
USER 10001:10001
# dockerd 20.10 knows no --start-interval: the first probe comes one interval after the start, so the
# interval is short enough for `depends_on: condition: service_healthy` not to wait long.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["dockgate", "health", "--admin", "unix:///run/dockgate-admin/admin.sock"]
ENTRYPOINT ["dockgate"]
CMD ["serve", "--upstream", "unix:///var/run/docker.sock", \
     "--listen", "unix:///run/dockgate/dockgate.sock?mode=0660", \
     "--admin-listen", "unix:///run/dockgate-admin/admin.sock?mode=0600"]
