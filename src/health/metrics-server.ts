import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthMetrics } from './metrics.js';

/** `/metrics` (Prometheus text format) and `/healthz` for the worker process. */
export async function startMetricsServer(
  metrics: HealthMetrics,
  port: number,
  /** All interfaces by default (worker.metrics.host), so that Prometheus can scrape a container. */
  host: string,
  healthy: () => Promise<boolean>,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        },
        (err) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
      return;
    }
    if (path === '/healthz') {
      healthy().then(
        (ok) => {
          res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok }));
        },
        () => {
          res.writeHead(503);
          res.end('{"ok":false}');
        },
      );
      return;
    }
    res.writeHead(404);
    res.end();
  });
  // the figures carry names, no secrets
  await new Promise<void>((r) => server.listen(port, host, r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
