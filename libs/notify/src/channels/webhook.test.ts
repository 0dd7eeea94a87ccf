import type { DedupStore } from '@callwatch/redis';
import type { AlertEvent, Template } from '@callwatch/schemas';
import { buildContext } from '../context';
import { deliver } from '../deliver';
import { STOCK_TEMPLATES } from '../stock-templates';
import type { OutboundMessage } from './channel';
import { startLocalReceiver, type LocalReceiver } from './local-receiver';
import { createTargetGuard } from './target-guard';
import { createWebhookChannel, signWebhook, verifyWebhookSignature, type WebhookBody } from './webhook';

const alert: AlertEvent = {
  event_id: 'evt-7', type: 'fired', rule_id: 'r', rule_title: 'R', entity: 'customer:acme', area: 'asr', value: 27.5, threshold: 30,
  reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 900_000, at_ms: 1_714_566_600_000, first_fired_at_ms: 1_714_566_600_000, test: false,
};
const NOW = 1_714_566_605_000;
const loopbackAllowed = createTargetGuard(['127.0.0.0/8']);

describe('verifyWebhookSignature', () => {
  const body = '{"alert":1}';
  const header = signWebhook(body, 's3cret', NOW);

  it('signs the timestamp and the body in one header', () => {
    expect(header).toMatch(/^t=1714566605,v1=[0-9a-f]{64}$/);
  });

  it.each([
    ['the same body, secret and time', true, header, body, 's3cret', NOW],
    ['a timestamp 299 s old', true, header, body, 's3cret', NOW + 299_000],
    ['a timestamp 301 s old (a replay)', false, header, body, 's3cret', NOW + 301_000],
    ['a timestamp 301 s ahead', false, header, body, 's3cret', NOW - 301_000],
    ['another secret', false, header, body, 'other', NOW],
    ['a changed body', false, header, '{"alert":2}', 's3cret', NOW],
    ['a timestamp moved to now (its HMAC no longer matches)', false, header.replace('t=1714566605', 't=1714566999'), body, 's3cret', NOW + 394_000],
    ['a body-only HMAC (the old sha256= header)', false, 'sha256=abc', body, 's3cret', NOW],
    ['no header', false, undefined, body, 's3cret', NOW],
    ['an empty secret', false, header, body, '', NOW],
  ])('%s: valid %p', (_name, valid, h, b, secret, nowMs) => {
    expect(verifyWebhookSignature(h, b, secret, { nowMs })).toBe(valid);
  });

  it('takes a tolerance', () => {
    expect(verifyWebhookSignature(header, body, 's3cret', { nowMs: NOW + 30_000, toleranceS: 10 })).toBe(false);
    expect(verifyWebhookSignature(header, Buffer.from(body), 's3cret', { nowMs: NOW + 30_000, toleranceS: 60 })).toBe(true);
  });
});

describe('webhook channel (real HTTP on 127.0.0.1)', () => {
  let receiver: LocalReceiver;
  beforeEach(async () => { receiver = await startLocalReceiver(); });
  afterEach(async () => { await receiver.close(); });

  const message = (recipient: string): OutboundMessage => ({ channel: 'webhook', recipient, subject: 'S ü', html: '<p>h</p>', text: 'T ü', sms: 'M', alert, deliveryId: 'evt-7' });
  const channel = createWebhookChannel({ secret: 's3cret', guard: loopbackAllowed, timeoutMs: 2000, now: () => NOW });

  it('POSTs the alert and text as JSON with a timestamped signature and the event id as Idempotency-Key', async () => {
    receiver.answer((_req, res) => void res.writeHead(202, { 'x-request-id': 'req-1' }).end('accepted'));
    expect(await channel.send(message(`${receiver.url}/hook`))).toEqual({ messageId: 'req-1' });
    const [request] = receiver.received;
    expect(request).toMatchObject({ method: 'POST', path: '/hook' });
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': 'evt-7',
      'x-callwatch-event-id': 'evt-7',
      'x-callwatch-signature': expect.stringMatching(/^t=1714566605,v1=[0-9a-f]{64}$/),
    });
    expect(verifyWebhookSignature(request?.headers['x-callwatch-signature'] as string, request?.body ?? '', 's3cret', { nowMs: NOW + 1000 })).toBe(true);
    expect(verifyWebhookSignature(request?.headers['x-callwatch-signature'] as string, request?.body ?? '', 'other', { nowMs: NOW + 1000 })).toBe(false);
    expect(JSON.parse(request?.body ?? '') as WebhookBody).toEqual({ alert, subject: 'S ü', text: 'T ü' });
  });

  it.each([
    [500, 'CW_ERR_DELIVERY', true],
    [503, 'CW_ERR_DELIVERY', true],
    [408, 'CW_ERR_DELIVERY', true],
    [429, 'CW_ERR_DELIVERY', true],
    [400, 'CW_ERR_DELIVERY_REJECTED', false],
    [404, 'CW_ERR_DELIVERY_REJECTED', false],
    [410, 'CW_ERR_DELIVERY_REJECTED', false],
    [302, 'CW_ERR_DELIVERY_REJECTED', false],
  ])('maps HTTP %d to %s', async (status, code, retriable) => {
    receiver.answer((_req, res) => void res.writeHead(status, { location: '/elsewhere' }).end('nope'));
    await expect(channel.send(message(`${receiver.url}/hook`))).rejects.toMatchObject({ code, retriable, details: { status } });
    expect(receiver.received).toHaveLength(1);
  });

  it('refuses to send without WEBHOOK_SECRET, before connecting', async () => {
    const unsigned = createWebhookChannel({ secret: '', guard: loopbackAllowed });
    const error = await unsigned.send(message(`${receiver.url}/hook`)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', retriable: false });
    expect((error as Error).message).toContain('WEBHOOK_SECRET');
    expect(receiver.received).toEqual([]);
  });

  it('refuses a loopback target that is not allow-listed, by address and by name, and the receiver gets nothing', async () => {
    const guarded = createWebhookChannel({ secret: 's3cret', guard: createTargetGuard() });
    const port = new URL(receiver.url).port;
    for (const url of [`${receiver.url}/hook`, `http://localhost:${port}/hook`, `http://[::ffff:127.0.0.1]:${port}/hook`]) {
      const error = await guarded.send(message(url)).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', retriable: false, details: { reason: 'loopback' } });
      expect((error as Error).message).toMatch(/^webhook: refused to notify .*: it resolves to .*, a loopback address \(allow it with NOTIFY_ALLOW_TARGETS\)$/);
    }
    await expect(guarded.send(message('http://169.254.169.254/latest/meta-data/'))).rejects.toMatchObject({ details: { reason: 'cloud metadata' } });
    expect(receiver.received).toEqual([]);
  });

  describe('through deliver()', () => {
    // Always grants the claim: these tests are about the channel's failure classes, not about dedup.
    const dedup: DedupStore = { claim: async () => ({ kind: 'ours' }), renew: async () => undefined, markSent: async () => undefined, release: async () => undefined };
    const run = () => deliver({
      alert, context: buildContext(alert), template: STOCK_TEMPLATES.asr as Template, recipient: { channel: 'webhook', recipient: `${receiver.url}/hook` },
      channel: createWebhookChannel({ secret: 's3cret', guard: loopbackAllowed, timeoutMs: 2000 }), dedup, retry: { retries: 3, sleep: async () => undefined },
    });

    it('retries a 503 and records the 200 that follows; both requests carry the same Idempotency-Key', async () => {
      receiver.answer((_req, res) => void res.writeHead(receiver.received.length === 1 ? 503 : 200).end());
      const records = await run();
      expect(records.map((r) => [r.channel, r.status, r.attempt])).toEqual([['webhook', 'retrying', 1], ['webhook', 'sent', 2]]);
      expect(records[0]?.error).toMatch(/^CW_ERR_DELIVERY: webhook: POST http:\/\/127\.0\.0\.1:\d+\/hook answered 503/);
      expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual(['evt-7', 'evt-7']);
      expect(receiver.received.every((r) => verifyWebhookSignature(r.headers['x-callwatch-signature'] as string, r.body, 's3cret'))).toBe(true);
    });

    it('does not retry a 400', async () => {
      receiver.answer((_req, res) => void res.writeHead(400).end('bad payload'));
      const records = await run();
      expect(records.map((r) => [r.status, r.attempt, r.error])).toEqual([['failed', 1, expect.stringMatching(/^CW_ERR_DELIVERY_REJECTED: .* answered 400: bad payload$/)]]);
      expect(receiver.received).toHaveLength(1);
    });
  });
});
