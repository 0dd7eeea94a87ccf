import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** HealthServer serves `/healthz` (200 while every check passes) and `/metrics` (Prometheus text) on one port. */
export interface HealthServer {
  readonly registry: Registry;
  readonly port: number;
  /** Registers a named liveness check; `/healthz` fails while any check returns false. */
  addCheck(name: string, check: () => boolean): void;
  /** Serves POST `path`: the handler gets the JSON body and answers with a status and a JSON value. */
  addRoute(path: string, handler: JsonHandler): void;
  close(): Promise<void>;
}

/** JsonHandler answers one POSTed JSON body (undefined when the body is not JSON). */
export type JsonHandler = (body: unknown) => Promise<{ status: number; json: unknown }>;

/** MAX_BODY_BYTES caps what a route reads of a request body. */
const MAX_BODY_BYTES = 1024 * 1024;

/** startHealthServer listens on host:port (port 0 picks a free one) with a fresh metrics registry. */
export async function startHealthServer({ host = '127.0.0.1', port = 0, service }: { host?: string; port?: number; service: string }): Promise<HealthServer> {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const checks = new Map<string, () => boolean>();
  const routes = new Map<string, JsonHandler>();
  const reply = (res: ServerResponse, status: number, json: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  };
  const route = (req: IncomingMessage, res: ServerResponse, handler: JsonHandler) => {
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST a JSON body' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reply(res, 413, { error: `the body is over ${MAX_BODY_BYTES} bytes` });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      handler(body).then(
        ({ status, json }) => reply(res, status, json),
        (err: Error) => reply(res, 500, { error: err.message }),
      );
    });
  };
  const server: Server = createServer((req, res) => {
    const handler = routes.get(req.url ?? '');
    if (handler) route(req, res, handler);
    else if (req.url === '/healthz') {
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
    addRoute: (path, handler) => void routes.set(path, handler),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
