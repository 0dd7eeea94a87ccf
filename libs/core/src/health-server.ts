import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from './logger';
import { isLoopback, routeAccess } from './route-access';

/**
 * HealthServer serves `/healthz` (200 while every check passes), `/livez` (200 while the process answers) and
 * `/metrics` (Prometheus text) to anyone, and POST routes only to callers that `routeAccess` lets through.
 */
export interface HealthServer {
  readonly registry: Registry;
  readonly port: number;
  /** Registers a named liveness check; `/healthz` fails while any check returns false. */
  addCheck(name: string, check: () => boolean): void;
  /** the names of the checks failing now */
  failing(): string[];
  /** Serves POST `path` to authorized callers: the handler gets the JSON body and answers with a status and a JSON value. */
  addRoute(path: string, handler: JsonHandler): void;
  close(): Promise<void>;
}

/** JsonHandler answers one POSTed JSON body (undefined when the body is not JSON). */
export type JsonHandler = (body: unknown) => Promise<{ status: number; json: unknown }>;

/** HealthServerOptions say where to listen, who may call the routes, and how long a request may take to arrive. */
export interface HealthServerOptions {
  host?: string;
  /** 0 picks a free port */
  port?: number;
  service: string;
  /** the bearer token POST routes require (API_TOKEN); null: none, and then routes answer only on loopback */
  token?: string | null;
  log?: Logger;
  /** how long a client may take to send a whole request, headers and body (a slow sender holds a socket) */
  requestTimeoutMs?: number;
  /**
   * false: no server and no process metrics, only the registry and the checks (a worker thread, whose process
   * serves them for all its threads)
   */
  listen?: boolean;
  /** what `/metrics` answers, from the server's own registry (default: that registry's metrics) */
  metrics?: (own: Registry) => Promise<string>;
}

/** MAX_BODY_BYTES caps what a route reads of a request body. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Probes and Prometheus call these without credentials; no route may take their place. */
const OPEN_PATHS = new Set(['/healthz', '/livez', '/metrics']);

/** startHealthServer listens on host:port with a fresh metrics registry. */
export async function startHealthServer({ host = '127.0.0.1', port = 0, service, token = null, log, requestTimeoutMs = 30_000, listen = true, metrics = (own) => own.metrics() }: HealthServerOptions): Promise<HealthServer> {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  const checks = new Map<string, () => boolean>();
  const failing = () => [...checks].filter(([, check]) => !check()).map(([name]) => name);
  if (!listen) {
    return {
      registry, port: 0, failing,
      addCheck: (name, check) => void checks.set(name, check),
      addRoute: (path) => log?.warn({ path }, `POST ${path} is not served: this health server does not listen`),
      close: async () => undefined,
    };
  }
  collectDefaultMetrics({ register: registry });
  const routes = new Map<string, JsonHandler>();
  const reply = (res: ServerResponse, status: number, json: unknown, headers: OutgoingHttpHeaders = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(json));
  };
  // Answered before the rest of an oversized body arrives; closing the connection stops the sender.
  const tooLarge = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ error: `the body is over ${MAX_BODY_BYTES} bytes` }), () => req.destroy());
  };
  const route = (req: IncomingMessage, res: ServerResponse, handler: JsonHandler) => {
    const access = routeAccess(token, loopback, req.headers.authorization);
    if (!access.allowed) return reply(res, access.status, { error: access.error }, access.challenge ? { 'www-authenticate': access.challenge } : {});
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST a JSON body' }, { allow: 'POST' });
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return tooLarge(req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES && !res.headersSent) tooLarge(req, res);
      else if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
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
  const open = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/livez') return reply(res, 200, { status: 'ok' });
    if (req.url === '/healthz') {
      const now = failing();
      return reply(res, now.length === 0 ? 200 : 503, { status: now.length === 0 ? 'ok' : 'failing', failing: now });
    }
    metrics(registry).then(
      (text) => { res.writeHead(200, { 'content-type': registry.contentType }); res.end(text); },
      (err: Error) => { res.writeHead(500); res.end(err.message); },
    );
  };
  // requestTimeout bounds receiving a request, not the handler's answer: a long query still gets its rows.
  const server: Server = createServer(
    { requestTimeout: requestTimeoutMs, headersTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.min(1_000, Math.max(50, requestTimeoutMs / 4)) },
    (req, res) => {
      const handler = routes.get(req.url ?? '');
      if (OPEN_PATHS.has(req.url ?? '')) open(req, res);
      else if (handler) route(req, res, handler);
      else {
        res.writeHead(404);
        res.end();
      }
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  // The address actually bound, so a host name that resolves beyond loopback is judged by where it listens.
  const bound = typeof address === 'object' && address ? address : { address: host, port };
  const loopback = isLoopback(bound.address);
  return {
    registry,
    port: bound.port,
    failing,
    addCheck: (name, check) => void checks.set(name, check),
    addRoute: (path, handler) => {
      if (OPEN_PATHS.has(path)) throw new Error(`${path} is served to anyone (probes and Prometheus): a route cannot take it`);
      if (token === null && !loopback) {
        log?.warn(
          { path, host: bound.address },
          `POST ${path} answers 403: this server listens on ${bound.address}, beyond loopback, and no API token is set; set API_TOKEN or API_TOKEN_FILE to serve it, or METRICS_HOST=127.0.0.1`,
        );
      }
      routes.set(path, handler);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
