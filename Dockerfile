# syntax=docker/dockerfile:1
# kdr: the Slack bot by default; the worker and the CLI run from the same image:
#   docker run kdr            -> kdr bot      (Socket Mode with SLACK_APP_TOKEN, HTTP on $PORT otherwise)
#   docker run -e NODE_OPTIONS=--max-semi-space-size=4 kdr worker
#                             -> kdr worker   (runs queued commands; the smaller young generation saves ~25 MB)
#   docker run kdr status --config /etc/kdr/kdr.yaml
# Mount the config at /etc/kdr/kdr.yaml (KDR_CONFIG points there); secrets come from the environment.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY commands commands
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    KDR_CONFIG=/etc/kdr/kdr.yaml \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY bin bin
COPY examples examples
USER node
EXPOSE 3000 9464
ENTRYPOINT ["node", "bin/kdr.js"]
CMD ["bot"]
