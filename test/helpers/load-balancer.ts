import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A round-robin HTTP load balancer in front of several bots, as any production one behaves: a request goes to the
 * next backend; a backend that refuses the connection (its process died) is skipped for that request and the next
 * one is tried (nginx's `proxy_next_upstream error`, which never repeats a POST once sent). Counts what each backend answered.
 */
export interface LoadBalancer {
  url: string;
  served: Map<number, number>;
  stop(): Promise<void>;
}

export async function startLoadBalancer(backends: number[]): Promise<LoadBalancer> {
  const served = new Map<number, number>(backends.map((p) => [p, 0]));
  let next = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const start = next++;
      const attempt = (i: number) => {
        if (i >= backends.length) {
          res.writeHead(502).end('no backend answered');
          return;
        }
        const port = backends[(start + i) % backends.length]!;
        const up = request(
          { host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers },
          (r) => {
            served.set(port, (served.get(port) ?? 0) + 1);
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        // only a refused connection moves on (nothing was sent); a request cut after it was sent is not repeated,
        // as a load balancer does not repeat a POST
        up.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'ECONNREFUSED') attempt(i + 1);
          else if (!res.headersSent) res.writeHead(502).end(err.message);
        });
        up.end(body);
      };
      attempt(0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
