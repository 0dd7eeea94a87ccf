import { createServer, type Server } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** HealthServer serves `/healthz` (200 while every check passes) and `/metrics` (Prometheus text) on one port. */
export interface HealthServer {
  readonly registry: Registry;
  readonly port: number;
  /** Registers a named liveness check; `/healthz` fails while any check returns false. */
  addCheck(name: string, check: () => boolean): void;
  close(): Promise<void>;
}

/** startHealthServer listens on host:port (port 0 picks a free one) with a fresh metrics registry. */
export async function startHealthServer({ host = '127.0.0.1', port = 0, service }: { host?: string; port?: number; service: string }): Promise<HealthServer> {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const checks = new Map<string, () => boolean>();
  const server: Server = createServer((req, res) => {
    if (req.url === '/healthz') {
      const failing = [...checks].filter(([, check]) => !check()).map(([name]) => name);
      res.writeHead(failing.length === 0 ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: failing.length === 0 ? 'ok' : 'failing', failing }));
    } else if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => { res.writeHead(200, { 'content-type': registry.contentType }); res.end(text); },
        (err: Error) => { res.writeHead(500); res.end(err.message); },
      );
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    registry,
    port: typeof address === 'object' && address ? address.port : port,
    addCheck: (name, check) => void checks.set(name, check),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
