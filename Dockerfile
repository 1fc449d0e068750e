# syntax=docker/dockerfile:1
# Production image: build with the dev toolchain, ship only the compiled app and runtime dependencies.
# The Node minor is pinned for repeatable builds; keep it in step with LTS_NODE_VERSION in
# scripts/lts-node.sh.

FROM node:24.22-bookworm AS build
WORKDIR /app
# The full image has python3, make and g++ in case argon2 has to compile its native module.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24.22-bookworm-slim AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="organization-management-service" \
      org.opencontainers.image.description="Multi-tenant organization management service: NestJS + MongoDB, one collection per organization." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.base.name="docker.io/library/node:24.22-bookworm-slim"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Owned by root and not writable by the user the service runs as: a compromised process cannot
# change its own code or dependencies.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# The slim image has no curl: ask Node to probe the liveness endpoint.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and gets Docker's SIGTERM itself (it stops within SHUTDOWN_TIMEOUT_SECONDS).
CMD ["node", "dist/main.js"]
