# syntax=docker/dockerfile:1
# flexybot image: TypeScript is compiled in a build stage; the runtime stage holds production
# dependencies, the compiled JavaScript and the locales, and runs as the unprivileged `node` user.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# At the app root: the i18n loader walks up from dist/src/bot until it finds locales/ar.ftl.
COPY locales ./locales
# Set MONGODB_URI (docker-compose.yml does). Without it the bot starts an embedded MongoDB under
# ./data, which must then be writable by the runtime user.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# Liveness from /healthz (event loop turning); slim images have no curl, so node asks. Readiness
# (/readyz: MongoDB and background work) is for load balancers and orchestrators, not for restarts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Not `npm start`: its prestart step would try to compile again. node receives SIGTERM directly and
# shuts down gracefully (stops polling, finishes in-flight work, closes MongoDB).
CMD ["node", "dist/src/main.js"]
