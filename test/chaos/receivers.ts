import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** WebhookCall is one POST the webhook receiver answered, with the alert event it carried. */
export interface WebhookCall {
  eventId: string;
  type: string;
  entity: string;
  idempotencyKey: string;
}

const readBody = (req: IncomingMessage): Promise<Buffer> => new Promise((resolve, reject) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => resolve(Buffer.concat(chunks)));
  req.on('error', reject);
});

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/**
 * WebhookReceiver is a real HTTP server the rules' webhooks post to. It records what it answered 200 to; while
 * `hanging`, it reads each request and never answers, as a receiver that times out does.
 */
export class WebhookReceiver {
  readonly calls: WebhookCall[] = [];
  hanging = false;
  private readonly held = new Set<ServerResponse>();
  private readonly server = createServer((req, res) => void this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    this.url = await listen(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (this.hanging) {
      this.held.add(res);
      res.once('close', () => this.held.delete(res));
      return;
    }
    // The alert event is the body's `alert` (or the body itself): what matters is its id, type and entity.
    const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const alert = (json.alert ?? json) as { event_id: string; type: string; entity: string };
    this.calls.push({ eventId: alert.event_id, type: alert.type, entity: alert.entity, idempotencyKey: String(req.headers['idempotency-key'] ?? '') });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  }

  /** release drops the connections held while hanging (their senders have long timed out). */
  release(): void {
    this.hanging = false;
    for (const res of this.held) res.destroy();
    this.held.clear();
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** SesFault is what the proxy in front of moto answers SES sends with: nothing (forward), throttling or a 5xx. */
export type SesFault = 'none' | 'throttle' | 'unavailable';

/**
 * AwsFaultProxy stands between the notifier and moto: it forwards every request unchanged, except SES sends while a
 * fault is set, which it answers as SES does when it throttles (429 TooManyRequestsException) or fails (503).
 */
export class AwsFaultProxy {
  fault: SesFault = 'none';
  refused = 0;
  private readonly server = createServer((req, res) => void this.handle(req, res));
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    this.url = await listen(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const isSend = req.method === 'POST' && (req.url ?? '').includes('/outbound-emails');
    if (isSend && this.fault !== 'none') {
      this.refused++;
      const [status, type, message] = this.fault === 'throttle'
        ? [429, 'TooManyRequestsException', 'Maximum sending rate exceeded.']
        : [503, 'ServiceUnavailable', 'Service is unavailable.'];
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type }).end(JSON.stringify({ message }));
      return;
    }
    const target = new URL(req.url ?? '/', this.target);
    const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (err) => res.writeHead(502).end(String(err)));
    upstream.end(body);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
