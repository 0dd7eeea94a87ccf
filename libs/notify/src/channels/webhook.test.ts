import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertEvent } from '@callwatch/schemas';
import type { OutboundMessage } from './channel';
import { createWebhookChannel, signBody, type WebhookBody } from './webhook';

interface Received { method: string; headers: IncomingHttpHeaders; body: string }

const alert: AlertEvent = {
  event_id: 'evt-7', type: 'fired', rule_id: 'r', rule_title: 'R', entity: 'customer:acme', area: 'asr', value: 27.5, threshold: 30,
  reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 900_000, at_ms: 1_714_566_600_000, first_fired_at_ms: 1_714_566_600_000, test: false,
};

describe('webhook channel (real HTTP on 127.0.0.1)', () => {
  let server: Server;
  let base: string;
  let received: Received[];
  let status: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(status, { 'x-request-id': 'req-1' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });
  beforeEach(() => { received = []; status = 200; });

  const message = (recipient: string): OutboundMessage => ({ channel: 'webhook', recipient, subject: 'S ü', html: '<p>h</p>', text: 'T ü', sms: 'M', alert });
  const channel = createWebhookChannel({ secret: 's3cret', timeoutMs: 2000 });

  it('POSTs the alert and text as JSON, signed with HMAC-SHA256 of the raw body', async () => {
    const result = await channel.send(message(`${base}/hook`));
    expect(result).toEqual({ messageId: 'req-1' });
    const [request] = received as [Received];
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-callwatch-event-id']).toBe('evt-7');
    expect(request.headers['x-callwatch-signature']).toBe(signBody(request.body, 's3cret'));
    expect(request.headers['x-callwatch-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(request.body) as WebhookBody).toEqual({ alert, subject: 'S ü', text: 'T ü' });
  });

  it('does not verify with another secret', async () => {
    await channel.send(message(`${base}/hook`));
    expect(received[0]?.headers['x-callwatch-signature']).not.toBe(signBody(received[0]?.body ?? '', 'other'));
  });

  it.each([
    [500, 'CW_ERR_DELIVERY', true],
    [503, 'CW_ERR_DELIVERY', true],
    [429, 'CW_ERR_DELIVERY', true],
    [400, 'CW_ERR_DELIVERY_REJECTED', false],
    [404, 'CW_ERR_DELIVERY_REJECTED', false],
    [302, 'CW_ERR_DELIVERY_REJECTED', false],
  ])('maps HTTP %d to %s', async (code, errorCode, retriable) => {
    status = code;
    await expect(channel.send(message(`${base}/hook`))).rejects.toMatchObject({ code: errorCode, retriable });
  });

  it('treats a refused connection as retriable and a non-http URL as rejected', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(channel.send(message(`http://127.0.0.1:${port}/`))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY', retriable: true });
    await expect(channel.send(message('ftp://example.net/'))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED' });
  });
});
