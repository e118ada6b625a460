# syntax=docker/dockerfile:1
# Images of the two demo apps, from one file: `--target api` → nest-redis-streams-api, `--target consumer` →
# nest-redis-streams-consumer. Both share the build stage (one `nest build` of both apps and the library).
#
#   docker build --target api      -t nest-redis-streams-api .
#   docker build --target consumer -t nest-redis-streams-consumer .
#
# BASE_IMAGE is the runtime of both images (and, by default, of the build stage too): any image with Node 20 on
# its PATH and a POSIX shell. BUILD_IMAGE only has to add npm to it; it defaults to BASE_IMAGE, which is right for
# the official Node images (they ship npm). A bare Debian `nodejs` image has no npm: give the build stage an image
# that adds it, and keep npm and its ~430 MB of Debian dependencies out of what runs (test/image/ does that).
ARG BASE_IMAGE=node:20-bookworm-slim
ARG BUILD_IMAGE=${BASE_IMAGE}

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
# Not `npm ci`: the lock names per-platform optional packages that some registries do not serve and `npm ci`
# refuses such a lock (see .ci/run); `npm install` installs the locked versions. The optional `npm_ca` secret is a
# CA bundle for a registry behind a TLS-intercepting proxy (`--secret id=npm_ca,src=…`); nothing of it stays in a layer.
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm install --no-audit --no-fund --loglevel=error
COPY nest-cli.json tsconfig.json tsconfig.build.json LICENSE ./
COPY scripts ./scripts
COPY src ./src
COPY libs ./libs
COPY apps ./apps
RUN npx nest build api && npx nest build consumer && npm run build:lib --silent \
    && chmod 0755 dist/libs/redis-streams/cli/main.js \
    && find dist -name '*.map' -delete \
    && npm prune --omit=dev --no-audit --no-fund --loglevel=error

# What both apps run on: production dependencies, the library's CLI, the seed topology files; owned by root and
# read-only for the app's user (the Kubernetes manifests mount the root filesystem read-only).
FROM ${BASE_IMAGE} AS runtime
WORKDIR /app
# Plain log lines (Nest colours them otherwise): what log collectors expect.
ENV NO_COLOR=1
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/libs/redis-streams ./dist/libs/redis-streams
COPY config ./config
COPY scripts/container-healthcheck.js ./healthcheck.js
# `nest-redis-streams init|status|dlq|trim` on the PATH (the Kubernetes init Job runs it); ./config/streams.yaml is
# its default topology file from this directory.
RUN ln -s /app/dist/libs/redis-streams/cli/main.js /usr/local/bin/nest-redis-streams
# A numeric user, so Kubernetes' runAsNonRoot can verify it without an /etc/passwd entry.
USER 10001:10001

FROM runtime AS api
COPY --from=build /src/dist/apps/api ./dist/apps/api
ENV PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.js", "PORT"]
# Exec form, no shell, no npm, no tini: node is PID 1 and receives SIGTERM itself (the app drains on it).
CMD ["node", "dist/apps/api/apps/api/src/main.js"]

FROM runtime AS consumer
COPY --from=build /src/dist/apps/consumer ./dist/apps/consumer
ENV CONSUMER_PORT=3001
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.js", "CONSUMER_PORT"]
CMD ["node", "dist/apps/consumer/apps/consumer/src/main.js"]
