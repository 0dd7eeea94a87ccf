import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isLoopback, routeAccess, type Logger } from '@callwatch/core';
import type { HistoryReader } from '@callwatch/clickhouse';
import { ApiError } from './api-error';
import type { EventStream } from './event-stream';
import { entityHistory } from './history';
import { serveStatic } from './static-files';
import type { ViewModel } from './view-model';
import { addSilence, expireSilence, liftEntityPenalty, setRuleEnabled, type WriteContext } from './writes';

/** ApiServerOptions are what the API serves from and how it is reached. */
export interface ApiServerOptions {
  host: string;
  /** 0 picks a free port */
  port: number;
  /** the bearer token writes require (and reads, beyond loopback); null: the console is read-only */
  token: string | null;
  model: ViewModel;
  events: EventStream;
  writes: WriteContext;
  history: HistoryReader | null;
  /** sends a test notification of a rule for an entity (`rules test --send`); resolves to the test event's id */
  testRule: (ruleId: string, entity: string, by: string) => Promise<string>;
  /** the UI's folder (index.html, assets/) */
  publicDir: string;
  deployment: { topic_prefix: string; redis_key_prefix: string };
  log: Logger;
}

/** ApiServer is the console's listening HTTP server. */
export interface ApiServer {
  readonly port: number;
  /** whether it listens on loopback only (reads need no token then) */
  readonly loopback: boolean;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const READ_ONLY = 'the console is read-only: start it with API_TOKEN (or API_TOKEN_FILE) to allow changes';

type Reply = { status: number; json: unknown } | { status: number; text: string };
type Handler = (params: string[], url: URL, body: Record<string, unknown>) => Promise<Reply> | Reply;
interface Route {
  method: 'GET' | 'POST';
  path: RegExp;
  handle: Handler;
}

const ok = (json: unknown, status = 200): Reply => ({ status, json });

function limitOf(url: URL, fallback: number): number {
  const raw = url.searchParams.get('limit');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ApiError(400, `limit: expected a whole number of 1 or more, got "${raw}"`);
  return n;
}

/** startApiServer listens on host:port and serves the UI, the JSON API and the event stream (docs/console.md). */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { model, events, writes, token, log } = options;
  let loopback = isLoopback(options.host);
  const routes: Route[] = [
    { method: 'GET', path: /^\/api\/overview$/, handle: () => {
      const now = Date.now();
      return ok({
        now_ms: now,
        deployment: { ...options.deployment, writable: token !== null, history: options.history !== null },
        counts: model.counts(now),
        firing: model.firingAlerts(now),
        entities: model.entityRows(now),
      });
    } },
    { method: 'GET', path: /^\/api\/alerts\/firing$/, handle: () => ok(model.firingAlerts(Date.now())) },
    { method: 'GET', path: /^\/api\/alerts\/recent$/, handle: (_, url) => ok(model.recentAlerts(limitOf(url, 100))) },
    { method: 'GET', path: /^\/api\/entities$/, handle: () => ok(model.entityRows(Date.now())) },
    { method: 'GET', path: /^\/api\/entities\/([^/]+)$/, handle: ([entity]) => {
      const detail = model.entityDetail(entity as string, Date.now());
      if (!detail) throw new ApiError(404, `the console has not seen ${entity} (no metrics, alerts or penalty of it since it started)`);
      return ok(detail);
    } },
    { method: 'GET', path: /^\/api\/entities\/([^/]+)\/history$/, handle: async ([entity], url) => ok(await entityHistory(options.history, entity as string, url.searchParams, Date.now())) },
    { method: 'GET', path: /^\/api\/rules$/, handle: () => ok(model.ruleRows()) },
    { method: 'GET', path: /^\/api\/silences$/, handle: () => ok(model.silenceRows(Date.now())) },
    { method: 'GET', path: /^\/api\/penalties$/, handle: () => ok(model.activePenalties(Date.now())) },
    { method: 'GET', path: /^\/api\/blocked$/, handle: () => ok(model.blocked(Date.now())) },
    { method: 'GET', path: /^\/api\/deliveries$/, handle: (_, url) => ok(model.recentDeliveries(limitOf(url, 100))) },
    { method: 'POST', path: /^\/api\/silences$/, handle: async (_, __, body) => ok(await addSilence(writes, body, Date.now()), 201) },
    { method: 'POST', path: /^\/api\/silences\/([^/]+)\/expire$/, handle: async ([id], _, body) => ok(await expireSilence(writes, id as string, body, Date.now())) },
    { method: 'POST', path: /^\/api\/penalties\/([^/]+)\/lift$/, handle: async ([entity], _, body) => ok(await liftEntityPenalty(writes, entity as string, body, Date.now())) },
    { method: 'POST', path: /^\/api\/rules\/([^/]+)\/(enable|disable)$/, handle: async ([id, change], _, body) => ok(await setRuleEnabled(writes, id as string, change === 'enable', body, Date.now())) },
    { method: 'POST', path: /^\/api\/rules\/([^/]+)\/test$/, handle: async ([id], _, body) => {
      const entity = body.entity;
      if (typeof entity !== 'string') throw new ApiError(400, `entity: expected customer:<id> or carrier:<id>, got ${JSON.stringify(entity ?? null)}`);
      const by = typeof body.by === 'string' && body.by.trim() ? body.by.trim() : 'console';
      return ok({ event_id: await options.testRule(id as string, entity, by) }, 202);
    } },
  ];

  // Reads are open on loopback; beyond it they need the token, as writes always do.
  const refuse = (req: IncomingMessage, write: boolean): ApiError | null => {
    if (write && token === null) return new ApiError(403, READ_ONLY);
    if (!write && loopback) return null;
    // Loopback opens nothing here that the two lines above did not: every other request needs the token.
    const access = routeAccess(token, false, req.headers.authorization);
    return access.allowed ? null : new ApiError(access.status, access.error);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname;
    if (!path.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, `${req.method} ${path}: the UI answers GET only`);
      if (await serveStatic(options.publicDir, path, res)) return;
      throw new ApiError(404, `no such page: ${path}`);
    }
    const write = req.method === 'POST';
    if (path === '/api/events' && req.method === 'GET') {
      const refusal = refuse(req, false);
      if (refusal) throw refusal;
      return events.open(res);
    }
    const matches = routes.filter((r) => r.path.test(path));
    if (matches.length === 0) throw new ApiError(404, `no such endpoint: ${path}`);
    const route = matches.find((r) => r.method === req.method);
    if (!route) throw new ApiError(405, `${req.method} ${path}: expected ${matches.map((r) => r.method).join(' or ')}`);
    const refusal = refuse(req, write);
    if (refusal) throw refusal;
    const params = (route.path.exec(path) as RegExpExecArray).slice(1).map((p) => decodeURIComponent(p));
    const body = write ? await readBody(req) : {};
    const reply = await route.handle(params, url, body);
    if (path === '/api/blocked' && wantsText(req, url) && 'json' in reply) {
      const { blocked } = reply.json as { blocked: Array<{ entity: string }> };
      return send(res, { status: 200, text: blocked.map((b) => `${b.entity}\n`).join('') });
    }
    send(res, reply);
  };

  const server: Server = createServer({ requestTimeout: 30_000, headersTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.end();
      if (err instanceof ApiError) {
        const challenge: Record<string, string> = err.status === 401 ? { 'www-authenticate': 'Bearer realm="callwatch"' } : {};
        return send(res, { status: err.status, json: { error: err.message } }, challenge);
      }
      log.error({ err, method: req.method, url: req.url }, 'console request failed');
      send(res, { status: 503, json: { error: `the console could not answer: ${(err as Error).message}` } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address : { address: options.host, port: options.port };
  // The address actually bound: a host name that resolves beyond loopback is judged by where it listens.
  loopback = isLoopback(bound.address);
  if (!loopback && token === null) {
    log.warn({ host: bound.address }, `the console listens on ${bound.address}, beyond loopback, with no API token: every API request answers 403; set API_TOKEN or API_TOKEN_FILE, or CONSOLE_HOST=127.0.0.1`);
  }
  return {
    port: bound.port,
    loopback,
    close: async () => {
      await events.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function wantsText(req: IncomingMessage, url: URL): boolean {
  const format = url.searchParams.get('format');
  if (format !== null) return format === 'text';
  return /\btext\/plain\b/.test(req.headers.accept ?? '') && !/\bapplication\/json\b/.test(req.headers.accept ?? '');
}

function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  if ('text' in reply) {
    res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end(reply.text);
    return;
  }
  res.writeHead(reply.status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(reply.json));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw new ApiError(413, `the body is over ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, `the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks).toString('utf8').trim();
  if (raw === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    throw new ApiError(400, `the body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}
