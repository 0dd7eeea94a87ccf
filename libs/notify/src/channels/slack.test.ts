import type { AlertEvent, Level } from '@callwatch/schemas';
import type { OutboundMessage } from './channel';
import { startLocalReceiver, type LocalReceiver } from './local-receiver';
import { LEVEL_COLOURS, createSlackChannel, type SlackPayload } from './slack';
import { createTargetGuard } from './target-guard';

const alert = (level: Level): AlertEvent => ({
  event_id: `evt-${level}`, type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 27.5, threshold: 30,
  reset_threshold: null, operator: '<=', level, sample_period_ms: 900_000, at_ms: 1_714_566_600_000, first_fired_at_ms: 1_714_566_600_000, test: false,
});

describe('Slack channel (real HTTP on 127.0.0.1)', () => {
  let receiver: LocalReceiver;
  beforeEach(async () => { receiver = await startLocalReceiver(); });
  afterEach(async () => { await receiver.close(); });

  const message = (recipient: string, level: Level = 'critical'): OutboundMessage =>
    ({ channel: 'slack', recipient, subject: '[critical] Low ASR: acme', html: '<p>h</p>', text: 'ASR 27.5% <= 30%\nover 15m', sms: 'M', alert: alert(level), deliveryId: `evt-${level}` });
  const channel = createSlackChannel({ guard: createTargetGuard(['127.0.0.0/8']), timeoutMs: 2000 });

  it('POSTs the subject as text and the plain-text body in an attachment coloured by level, with the event id as Idempotency-Key', async () => {
    expect(await channel.send(message(`${receiver.url}/services/T1/B1/x`))).toEqual({ messageId: 'evt-critical' });
    const [request] = receiver.received;
    expect(request).toMatchObject({ method: 'POST', path: '/services/T1/B1/x' });
    expect(request?.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': 'evt-critical' });
    expect(JSON.parse(request?.body ?? '') as SlackPayload).toEqual({
      text: '[critical] Low ASR: acme',
      attachments: [{
        color: '#d0021b', fallback: '[critical] Low ASR: acme', text: 'ASR 27.5% &lt;= 30%\nover 15m', ts: 1_714_566_600,
        fields: [
          { title: 'Level', value: 'critical', short: true }, { title: 'Entity', value: 'customer:acme', short: true },
          { title: 'Rule', value: 'low-asr', short: true }, { title: 'Event', value: 'fired', short: true },
        ],
      }],
    });
  });

  it('gives each level its own colour', async () => {
    for (const level of ['info', 'warning', 'error', 'critical'] as const) await channel.send(message(`${receiver.url}/h`, level));
    const colours = receiver.received.map((r) => (JSON.parse(r.body) as SlackPayload).attachments[0]?.color);
    expect(colours).toEqual([LEVEL_COLOURS.info, LEVEL_COLOURS.warning, LEVEL_COLOURS.error, LEVEL_COLOURS.critical]);
    expect(new Set(colours).size).toBe(4);
  });

  it.each([
    [400, 'invalid_payload', 'CW_ERR_DELIVERY_REJECTED', false],
    [403, 'action_prohibited', 'CW_ERR_DELIVERY_REJECTED', false],
    [404, 'no_service', 'CW_ERR_DELIVERY_REJECTED', false],
    [410, 'channel_is_archived', 'CW_ERR_DELIVERY_REJECTED', false],
    [429, 'rate_limited', 'CW_ERR_DELIVERY', true],
    [500, 'rollup_error', 'CW_ERR_DELIVERY', true],
    [301, '', 'CW_ERR_DELIVERY_REJECTED', false],
  ])('maps %d %s to %s', async (status, answer, code, retriable) => {
    receiver.answer((_req, res) => void res.writeHead(status, { 'content-type': 'text/plain', location: '/moved' }).end(answer));
    const error = await channel.send(message(`${receiver.url}/h`)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, retriable, details: { status } });
    expect((error as Error).message).toContain(answer);
  });

  it('refuses a loopback URL that is not allow-listed, and the receiver gets nothing', async () => {
    const guarded = createSlackChannel({ guard: createTargetGuard() });
    await expect(guarded.send(message(`${receiver.url}/h`))).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', details: { reason: 'loopback' } });
    expect(receiver.received).toEqual([]);
  });
});
