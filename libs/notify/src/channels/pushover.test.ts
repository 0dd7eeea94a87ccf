import type { ServerResponse } from 'node:http';
import type { AlertEvent, Level } from '@callwatch/schemas';
import type { OutboundMessage } from './channel';
import { startLocalReceiver, type LocalReceiver, type ReceivedRequest } from './local-receiver';
import { createPushoverChannel, truncate } from './pushover';

const USER = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';
const TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const alert = (level: Level): AlertEvent => ({
  event_id: `evt-${level}`, type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 27.5, threshold: 30,
  reset_threshold: null, operator: '<=', level, sample_period_ms: 900_000, at_ms: 1_714_566_600_000, first_fired_at_ms: 1_714_566_600_000, test: false,
});

// Pushover's POST /1/messages.json as documented: form fields in, { status: 1, request } out, or a 4xx with
// { status: 0, errors } for invalid input; emergency priority needs retry >= 30 and expire <= 10800.
function pushoverApi(request: ReceivedRequest, res: ServerResponse): void {
  const form = new URLSearchParams(request.body);
  const errors: string[] = [];
  if (request.path !== '/1/messages.json') return void res.writeHead(404).end('not found');
  if (form.get('token') !== TOKEN) errors.push('application token is invalid');
  if (!/^[A-Za-z0-9]{30}$/.test(form.get('user') ?? '')) errors.push('user identifier is not a valid user, group, or subscribed user key');
  if (!form.get('message')) errors.push('message cannot be blank');
  if ((form.get('message') ?? '').length > 1024) errors.push('message is too long');
  if ((form.get('title') ?? '').length > 250) errors.push('title is too long');
  if (form.get('priority') === '2' && !(Number(form.get('retry')) >= 30)) errors.push('retry must be supplied with priority=2 and be at least 30');
  if (form.get('priority') === '2' && !(Number(form.get('expire')) > 0 && Number(form.get('expire')) <= 10_800)) errors.push('expire must be supplied with priority=2');
  const body = errors.length > 0 ? { status: 0, errors, request: 'req-bad' } : { status: 1, request: `req-${form.get('priority')}` };
  res.writeHead(errors.length > 0 ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('Pushover channel (a local server speaking the message API)', () => {
  let api: LocalReceiver;
  beforeEach(async () => {
    api = await startLocalReceiver();
    api.answer(pushoverApi);
  });
  afterEach(async () => { await api.close(); });

  const message = (level: Level, over: Partial<OutboundMessage> = {}): OutboundMessage =>
    ({ channel: 'pushover', recipient: USER, subject: `[${level}] Low ASR: acme`, html: '<p>h</p>', text: 'ASR 27.5% <= 30%', sms: 'M', alert: alert(level), deliveryId: `evt-${level}`, ...over });
  const channel = (over: Partial<Parameters<typeof createPushoverChannel>[0]> = {}) =>
    createPushoverChannel({ token: TOKEN, apiUrl: api.url, emergencyRetryS: 90, emergencyExpireS: 1800, timeoutMs: 2000, ...over });

  it('POSTs the documented form fields and returns Pushover\'s request id', async () => {
    expect(await channel().send(message('warning'))).toEqual({ messageId: 'req-0' });
    const [request] = api.received;
    expect(request).toMatchObject({ method: 'POST', path: '/1/messages.json' });
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      token: TOKEN, user: USER, title: '[warning] Low ASR: acme', message: 'ASR 27.5% <= 30%', priority: '0', timestamp: '1714566600',
    });
  });

  it.each([
    ['info', '-1', undefined, undefined],
    ['warning', '0', undefined, undefined],
    ['error', '1', undefined, undefined],
    ['critical', '2', '90', '1800'],
  ] as const)('sends %s at priority %s (retry %p, expire %p)', async (level, priority, retry, expire) => {
    await channel().send(message(level));
    const form = new URLSearchParams(api.received[0]?.body);
    expect([form.get('priority'), form.get('retry') ?? undefined, form.get('expire') ?? undefined]).toEqual([priority, retry, expire]);
  });

  it('sends a resolved critical alert at normal priority: nobody needs to acknowledge that it is over', async () => {
    await channel().send(message('critical', { alert: { ...alert('critical'), type: 'reset' } }));
    const form = new URLSearchParams(api.received[0]?.body);
    expect([form.get('priority'), form.get('retry'), form.get('expire')]).toEqual(['0', null, null]);
  });

  it('cuts the message to 1024 and the title to 250 characters', async () => {
    await channel().send(message('info', { subject: 'S'.repeat(300), text: `${'é'.repeat(1100)}` }));
    const form = new URLSearchParams(api.received[0]?.body);
    expect(Array.from(form.get('message') ?? '')).toHaveLength(1024);
    expect(form.get('message')?.endsWith('é…')).toBe(true);
    expect(form.get('title')).toHaveLength(250);
    expect(truncate('😀'.repeat(5), 3)).toBe('😀😀…');
  });

  it('rejects what Pushover refuses with a 4xx, naming its errors, and does not retry it', async () => {
    const error = await channel({ token: 'wrong' }).send(message('info')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', retriable: false, details: { status: 400 } });
    expect((error as Error).message).toContain('answered 400: application token is invalid');
  });

  it.each([
    [429, 'CW_ERR_DELIVERY', true],
    [500, 'CW_ERR_DELIVERY', true],
    [503, 'CW_ERR_DELIVERY', true],
  ])('treats %d as temporary', async (status, code, retriable) => {
    api.answer((_req, res) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 0, errors: ['over quota'], request: 'r' })));
    await expect(channel().send(message('info'))).rejects.toMatchObject({ code, retriable, details: { status } });
  });

  it('rejects a 200 that is not Pushover\'s success answer (PUSHOVER_API_URL pointing elsewhere)', async () => {
    api.answer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    await expect(channel().send(message('info'))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED' });
  });

  it('refuses to send without PUSHOVER_TOKEN, before connecting', async () => {
    const error = await channel({ token: '' }).send(message('info')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', retriable: false });
    expect((error as Error).message).toContain('PUSHOVER_TOKEN');
    expect(api.received).toEqual([]);
  });

  it('does not follow a redirect of the API', async () => {
    api.answer((_req, res) => void res.writeHead(302, { location: 'https://elsewhere.example/' }).end());
    await expect(channel().send(message('info'))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', details: { status: 302 } });
  });
});
