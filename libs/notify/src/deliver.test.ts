import { CallwatchError } from '@callwatch/core';
import type { AlertEvent, Template } from '@callwatch/schemas';
import type { Channel, OutboundMessage } from './channels/channel';
import { buildContext } from './context';
import type { DedupStore, DeliveryPolicy, SentDelivery } from '@callwatch/redis';
import { BUSY, UNFINISHED, dedupKey, deliver, type DeliverInput } from './deliver';
import { notificationId } from './notification-record';
import { STOCK_TEMPLATES } from './stock-templates';

const alert: AlertEvent = {
  event_id: 'evt-9', type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 20, threshold: 30,
  reset_threshold: null, operator: '<', level: 'critical', sample_period_ms: 900_000, at_ms: 1_714_566_600_000, first_fired_at_ms: 1_714_566_600_000, test: false,
};

// A channel that fails its first `failures` sends with the given error, then accepts.
function flakyChannel(failures: number, error: () => Error = () => new CallwatchError('CW_ERR_DELIVERY', 'busy')) {
  const sent: OutboundMessage[] = [];
  let calls = 0;
  const channel: Channel = {
    name: 'email',
    async send(message) {
      calls++;
      if (calls <= failures) throw error();
      sent.push(message);
      return { messageId: `msg-${calls}` };
    },
  };
  return { channel, sent, calls: () => calls };
}

// The claim semantics of claimDelivery-1.lua (tested against Redis in test/redis), in memory, on the test's clock.
function memoryDedup(policy: DeliveryPolicy = 'at-least-once', leaseMs = 60_000) {
  const entries = new Map<string, { until: number } | { sent: SentDelivery }>();
  const store: DedupStore = {
    claim: async (key, nowMs) => {
      const entry = entries.get(key);
      if (entry && 'sent' in entry) return { kind: 'sent', sent: entry.sent };
      if (entry && entry.until > nowMs) return { kind: 'busy', untilMs: entry.until };
      if (entry && policy === 'at-most-once') return { kind: 'unfinished' };
      entries.set(key, { until: nowMs + leaseMs });
      return { kind: entry ? 'resend' : 'ours' };
    },
    renew: async (key, nowMs) => void entries.set(key, { until: nowMs + leaseMs }),
    markSent: async (key, sent) => void entries.set(key, { sent }),
    release: async (key) => void entries.delete(key),
  };
  const sentKeys = () => [...entries].filter(([, e]) => 'sent' in e).map(([k]) => k);
  const claimed = () => [...entries].filter(([, e]) => 'until' in e).map(([k]) => k);
  return { ...store, entries, sentKeys, claimed };
}

function input(channel: Channel, dedup: DedupStore, over: Partial<DeliverInput> = {}): DeliverInput {
  let clock = 1000;
  return {
    alert, context: buildContext(alert), template: STOCK_TEMPLATES.asr as Template, recipient: { channel: 'email', recipient: 'noc@example.net', source: 'rule' },
    channel, dedup, retry: { retries: 3, sleep: async () => undefined }, now: () => clock++, ...over,
  };
}

describe('deliver', () => {
  it('sends once and records one sent notification', async () => {
    const { channel, sent } = flakyChannel(0);
    const dedup = memoryDedup();
    const records = await deliver(input(channel, dedup));
    expect(records).toEqual([{
      notification_id: notificationId('evt-9', 'email', 'noc@example.net', 1), alert_event_id: 'evt-9', rule_id: 'low-asr', entity: 'customer:acme',
      channel: 'email', recipient: 'noc@example.net', status: 'sent', attempt: 1, error: null, message_id: 'msg-1', group_key: null, at_ms: 1001,
    }]);
    expect(sent[0]).toMatchObject({ channel: 'email', recipient: 'noc@example.net', alert, subject: '[critical] Low ASR: acme ASR 20.0% (fired)' });
    expect(dedup.sentKeys()).toEqual([dedupKey('evt-9', 'email', 'noc@example.net')]);
  });

  it('records each retried failure, then the success', async () => {
    const { channel } = flakyChannel(2);
    const records = await deliver(input(channel, memoryDedup()));
    expect(records.map((r) => [r.status, r.attempt, r.error, r.message_id])).toEqual([
      ['retrying', 1, 'CW_ERR_DELIVERY: busy', null],
      ['retrying', 2, 'CW_ERR_DELIVERY: busy', null],
      ['sent', 3, null, 'msg-3'],
    ]);
    expect(new Set(records.map((r) => r.notification_id)).size).toBe(3);
  });

  it('gives up after the retries and does not mark the delivery sent', async () => {
    const { channel, calls } = flakyChannel(10);
    const dedup = memoryDedup();
    const records = await deliver(input(channel, dedup, { retry: { retries: 2, sleep: async () => undefined } }));
    expect(records.map((r) => [r.status, r.attempt])).toEqual([['retrying', 1], ['retrying', 2], ['failed', 3]]);
    expect(calls()).toBe(3);
    expect(dedup.sentKeys()).toEqual([]);
    // The claim is given back: a redelivery of the alert event tries again.
    expect(dedup.claimed()).toEqual([]);
    expect((await deliver(input(flakyChannel(0).channel, dedup))).map((r) => r.status)).toEqual(['sent']);
  });

  it('sends again, with the same message, a delivery whose attempt died while sending (at least once)', async () => {
    const { channel, sent } = flakyChannel(0);
    const dedup = memoryDedup('at-least-once', 60_000);
    const key = dedupKey('evt-9', 'email', 'noc@example.net');
    await dedup.claim(key, 0); // the attempt that died: its lease ran out at 60 000
    const slept: number[] = [];
    const records = await deliver(input(channel, dedup, { now: () => 70_000, retry: { sleep: async (ms) => void slept.push(ms) } }));
    expect(records.map((r) => [r.status, r.attempt, r.error])).toEqual([['sent', 1, null]]);
    expect(sent).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('never sends a delivery whose attempt died while sending, with NOTIFY_DELIVERY=at-most-once', async () => {
    const { channel, calls } = flakyChannel(0);
    const dedup = memoryDedup('at-most-once', 60_000);
    await dedup.claim(dedupKey('evt-9', 'email', 'noc@example.net'), 0);
    const records = await deliver(input(channel, dedup, { now: () => 70_000 }));
    expect(records.map((r) => [r.status, r.attempt, r.error])).toEqual([['skipped', 1, UNFINISHED]]);
    expect(calls()).toBe(0);
  });

  it('waits for a live claim to lapse before taking it over, and leaves one that stays held', async () => {
    const key = dedupKey('evt-9', 'email', 'noc@example.net');
    let clock = 10_000;
    const sleep = async (ms: number) => void (clock += ms);
    const lapsing = memoryDedup('at-least-once', 60_000);
    await lapsing.claim(key, 0);
    const first = flakyChannel(0);
    expect((await deliver(input(first.channel, lapsing, { now: () => clock, retry: { sleep } }))).map((r) => r.status)).toEqual(['sent']);
    expect(clock).toBeGreaterThanOrEqual(60_000);

    // A claim renewed by a live attempt every time this one looks.
    const held = memoryDedup('at-least-once', 60_000);
    const renewing = { ...held, claim: async (k: string, nowMs: number) => (await held.renew(k, nowMs), held.claim(k, nowMs)) };
    const second = flakyChannel(0);
    const records = await deliver(input(second.channel, renewing, { now: () => clock, retry: { sleep } }));
    expect(records.map((r) => [r.status, r.error])).toEqual([['skipped', BUSY]]);
    expect(second.calls()).toBe(0);
  });

  it('renews its claim before each retry', async () => {
    const { channel } = flakyChannel(2);
    const dedup = memoryDedup('at-least-once', 1_000);
    const renewed: number[] = [];
    const watched = { ...dedup, renew: async (k: string, nowMs: number) => (renewed.push(nowMs), dedup.renew(k, nowMs)) };
    await deliver(input(channel, watched));
    expect(renewed).toHaveLength(2);
  });

  it('does not retry a rejection', async () => {
    const { channel, calls } = flakyChannel(1, () => new CallwatchError('CW_ERR_DELIVERY_REJECTED', 'bad address'));
    const records = await deliver(input(channel, memoryDedup()));
    expect(records.map((r) => [r.status, r.attempt, r.error])).toEqual([['failed', 1, 'CW_ERR_DELIVERY_REJECTED: bad address']]);
    expect(calls()).toBe(1);
  });

  it('skips what was already sent (redelivered alert event), recording the same sent attempt again', async () => {
    const { channel, calls } = flakyChannel(0);
    const dedup = memoryDedup();
    const first = await deliver(input(channel, dedup));
    expect(await deliver(input(channel, dedup))).toEqual(first);
    expect(calls()).toBe(1);
  });

  it('records a broken template as failed without sending', async () => {
    const { channel, calls } = flakyChannel(0);
    const broken = { ...(STOCK_TEMPLATES.asr as Template), id: 'broken', sms: '{{#if' };
    const records = await deliver(input(channel, memoryDedup(), { template: broken }));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'failed', attempt: 1 });
    expect(records[0]?.error).toMatch(/^CW_ERR_TEMPLATE: template "broken"/);
    expect(calls()).toBe(0);
  });

  it('makes notification ids deterministic and distinct per attempt, channel and recipient', () => {
    const id = notificationId('evt-9', 'email', 'a@b.c', 1);
    expect(notificationId('evt-9', 'email', 'a@b.c', 1)).toBe(id);
    expect(new Set([id, notificationId('evt-9', 'email', 'a@b.c', 2), notificationId('evt-9', 'sms', 'a@b.c', 1), notificationId('evt-9', 'email', 'a@b.d', 1)]).size).toBe(4);
  });
});
