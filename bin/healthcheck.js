#!/usr/bin/env node
// The image's HEALTHCHECK: healthy when the bot's HTTP port (PORT, HTTP mode) or the worker's metrics port
// (KDR_HEALTH_PORT, default 9464) answers /healthz with 200 within 2 s. A Socket Mode bot without --with-worker
// listens on neither: run its container without the health check (or with --with-worker).
const ports = [process.env.PORT || '3000', process.env.KDR_HEALTH_PORT || '9464'];
const probe = (port) =>
  fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })
    .then((r) => r.status === 200)
    .catch(() => false);
Promise.all(ports.map(probe)).then((ok) => process.exit(ok.some(Boolean) ? 0 : 1));
