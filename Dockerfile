# syntax=docker/dockerfile:1
# kdr: the Slack bot by default; the worker and the CLI run from the same image:
#   docker run kdr            -> kdr bot      (Socket Mode with SLACK_APP_TOKEN, HTTP on $PORT otherwise)
#   docker run -e NODE_OPTIONS=--max-semi-space-size=4 kdr worker
#                             -> kdr worker   (runs queued commands; the smaller young generation saves ~25 MB)
#   docker run kdr status --config /etc/kdr/kdr.yaml
# Mount the config at /etc/kdr/kdr.yaml (KDR_CONFIG points there); secrets come from the environment
# (SLACK_*, KDR_AUDIT_KEY: the same audit key in every kdr container of one installation).
# State that must outlive the container (audit file sink and key, run reports, orphaned records, backups) goes to
# the volume /var/lib/kdr (KDR_DATA_DIR), owned by the unprivileged user; kdr refuses to start if it is not writable.
# The base image is pinned to an exact Node release; pin its digest too in your registry mirror.

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY commands commands
RUN npm run build

FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production \
    KDR_CONFIG=/etc/kdr/kdr.yaml \
    KDR_DATA_DIR=/var/lib/kdr \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY bin bin
COPY examples examples
RUN mkdir -p /var/lib/kdr && chown node:node /var/lib/kdr && chmod 700 /var/lib/kdr
VOLUME /var/lib/kdr
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "bin/healthcheck.js"]
ENTRYPOINT ["node", "bin/kdr.js"]
CMD ["bot"]
