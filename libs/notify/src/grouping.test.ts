import type { AlertEvent } from '@callwatch/schemas';
import { digestGroup, type GroupDefaults } from './grouping';
import type { Recipient } from './recipients';

const alert = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  event_id: 'e1', type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 20, threshold: 30,
  reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 900_000, at_ms: 0, first_fired_at_ms: 0, test: false, ...over,
});
const noc: Recipient = { channel: 'email', recipient: 'noc@example.net', source: 'rule' };
const none: GroupDefaults = { groupBy: [], waitMs: 30_000, intervalMs: 300_000 };
const rule = (groupBy: string[] | null, wait: number | null = null, interval: number | null = null) => ({ group_by: groupBy, group_wait_ms: wait, group_interval_ms: interval });

describe('digestGroup', () => {
  it('groups by the rule\'s fields, one group for every entity of the rule, with the rule\'s timing', () => {
    const a = digestGroup(alert(), rule(['rule', 'level'], 10_000, 60_000), noc, none);
    const b = digestGroup(alert({ entity: 'customer:globex', event_id: 'e2' }), rule(['rule', 'level'], 10_000, 60_000), noc, none);
    expect(a).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{40}$/), key: 'email:noc@example.net|rule=low-asr|level=warning', recipient: noc,
      labels: { rule: 'low-asr', level: 'warning' }, waitMs: 10_000, intervalMs: 60_000,
    });
    expect(b?.id).toBe(a?.id);
    expect(digestGroup(alert({ level: 'critical' }), rule(['rule', 'level']), noc, none)?.id).not.toBe(a?.id);
  });

  it('falls back to the notifier\'s defaults, and sends alone when nothing groups', () => {
    const defaults: GroupDefaults = { groupBy: ['rule'], waitMs: 5_000, intervalMs: 50_000 };
    expect(digestGroup(alert(), rule(null), noc, defaults)).toMatchObject({ key: 'email:noc@example.net|rule=low-asr', waitMs: 5_000, intervalMs: 50_000 });
    expect(digestGroup(alert(), rule(null), noc, none)).toBeNull();
    expect(digestGroup(alert(), rule([]), noc, defaults)).toBeNull();
  });

  it('never groups webhooks or TEST alerts', () => {
    expect(digestGroup(alert(), rule(['rule']), { channel: 'webhook', recipient: 'https://h.example/a', source: 'rule' }, none)).toBeNull();
    expect(digestGroup(alert({ test: true }), rule(['rule']), noc, none)).toBeNull();
  });

  it('keeps each customer\'s own contacts to their own alerts', () => {
    const contact: Recipient = { channel: 'email', recipient: 'billing@shared.example', source: 'contact' };
    const acme = digestGroup(alert(), rule(['rule']), contact, none);
    const globex = digestGroup(alert({ entity: 'customer:globex' }), rule(['rule']), contact, none);
    expect(acme?.key).toBe('email:billing@shared.example|rule=low-asr|entity=customer:acme');
    expect(globex?.id).not.toBe(acme?.id);
  });
});
