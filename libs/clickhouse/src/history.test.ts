import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, type ClickHouseClient } from './client';
import { alertTimeline, changeLabel, configTrail, type TimelineLine } from './history';
import { migrate } from './migrations';
import { clickHouseReader, type HistoryReader } from './reader';
import { insertRows } from './statements';

const T0 = Date.UTC(2026, 10, 23, 5, 0, 0);
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

const alert = (over: Record<string, unknown>) => ({
  type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 4, threshold: 10, reset_threshold: 31,
  operator: '<=', level: 'critical', sample_period_ms: 15 * M, at_ms: T0, first_fired_at_ms: T0, test: false, ...over,
});
const delivery = (over: Record<string, unknown>) => ({
  alert_event_id: 'a-acme-fired', rule_id: 'low-asr', entity: 'customer:acme', channel: 'email', recipient: 'noc@example.net', status: 'sent', attempt: 1,
  error: null, message_id: null, group_key: null, at_ms: T0, ...over,
});
const rule = (over: Record<string, unknown>) => ({
  id: 'low-asr', title: 'Low ASR', scope: { kind: 'customer', value: 'acme' }, area: 'asr', operator: '<=', threshold: 30, enabled: true,
  notify: [{ channel: 'email', target: 'noc@example.net' }], applied_by: 'alice', applied_at_ms: 0, ...over,
});
const change = (kind: string, id: string, kindOfChange: string, by: string, at: number, body: Record<string, unknown> | null) => ({
  kind, id, change: kindOfChange, applied_by: by, at_ms: at, body: body === null ? '' : JSON.stringify({ ...body, applied_by: by, applied_at_ms: at }),
});

// One line as a short text, so a whole timeline reads at a glance in an assertion.
const brief = (l: TimelineLine): string => {
  const at = `+${(l.at_ms - T0) / S}s`;
  switch (l.what) {
    case 'alert': return `${at} alert ${l.type} ${l.entity} ${l.rule_id} ${l.value}`;
    case 'penalty': return `${at} penalty ${l.type} ${l.entity}${l.until_ms === null ? '' : ` until +${(l.until_ms - T0) / S}s`}`;
    case 'delivery': return `${at} delivery ${l.status} ${l.entity} ${l.channel} ${l.recipient} #${l.attempt}${l.error === null ? '' : ` (${l.error})`}`;
  }
};

describe('history', () => {
  let dir: string;
  let client: ClickHouseClient;
  let history: HistoryReader;
  let offset = 0;
  const insert = (table: string, values: Array<Record<string, unknown>>) =>
    insertRows(client, table, values.map((v) => ({ src_topic: `callwatch.${table}.v1`, src_partition: 0, src_offset: offset++, ...v })));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-history-'));
    client = createClickHouse({ url: undefined, path: dir });
    await migrate(client);
    history = clickHouseReader(client, 'test');

    // ACME's ASR fires with a penalty; email is retried and sent, SMS fails for good; it resets and the penalty ends.
    // BETA fires too; a high-PDD rule fires for ACME; a `test` alert and its delivery are recorded.
    await insert('alerts', [
      alert({ event_id: 'a-acme-fired' }),
      alert({ event_id: 'a-acme-fired' }), // the same event recorded twice (a redelivery)
      alert({ event_id: 'a-beta-fired', entity: 'customer:beta', value: 7, at_ms: T0 + 30 * S, first_fired_at_ms: T0 + 30 * S }),
      alert({ event_id: 'a-acme-test', value: 5, at_ms: T0 + 1 * M, first_fired_at_ms: T0 + 1 * M, test: true }),
      alert({ event_id: 'a-acme-pdd', rule_id: 'high-pdd', rule_title: 'High PDD', area: 'pdd', value: 9000, threshold: 5000, operator: '>', reset_threshold: null, level: 'warning', at_ms: T0 + 2 * M, first_fired_at_ms: T0 + 2 * M }),
      alert({ event_id: 'a-acme-reset', type: 'reset', value: 35, at_ms: T0 + 5 * M }),
    ]);
    await insert('actions', [
      { action_id: 'p-acme-disable', type: 'disable', entity: 'customer:acme', until_ms: T0 + 10 * M, rule_id: 'low-asr', reason: 'Low ASR: 4', at_ms: T0 },
      { action_id: 'p-acme-enable', type: 'enable', entity: 'customer:acme', until_ms: null, rule_id: 'low-asr', reason: 'penalty of low-asr ended', at_ms: T0 + 10 * M },
    ]);
    await insert('notifications', [
      delivery({ notification_id: 'n-email-2', status: 'sent', attempt: 2, message_id: '<m1@example.net>', at_ms: T0 + 3 * S }),
      delivery({ notification_id: 'n-email-1', status: 'retrying', attempt: 1, error: 'HTTP 503', at_ms: T0 + 1 * S }),
      delivery({ notification_id: 'n-email-2', status: 'sent', attempt: 2, message_id: '<m1@example.net>', at_ms: T0 + 3 * S }), // recorded again
      delivery({ notification_id: 'n-sms-1', channel: 'sms', recipient: '+15551234567', status: 'failed', attempt: 1, error: 'SNS: rejected', at_ms: T0 + 2 * S }),
      delivery({ notification_id: 'n-beta-1', alert_event_id: 'a-beta-fired', entity: 'customer:beta', at_ms: T0 + 31 * S }),
      delivery({ notification_id: 'n-test-1', alert_event_id: 'a-acme-test', at_ms: T0 + 1 * M + 1 * S }),
    ]);

    // low-asr is created 10 days ago (before any window below), then changed, disabled, enabled and deleted; a silence
    // is added and expired; a template is created.
    const base = rule({});
    const changed = { ...base, threshold: 25, notify: [...(base.notify as object[]), { channel: 'email', target: 'billing@example.net' }] };
    await insert('config_changes', [
      change('rule', 'low-asr', 'apply', 'alice', T0 - 10 * D, base),
      change('rule', 'low-asr', 'apply', 'bob', T0 - 1 * D, changed),
      change('rule', 'low-asr', 'apply', 'carol', T0 - 20 * H, { ...changed, enabled: false }),
      change('rule', 'low-asr', 'apply', 'carol', T0 - 19 * H, changed),
      change('rule', 'low-asr', 'delete', 'dave', T0 - 18 * H, null),
      change('rule', 'low-asr', 'apply', 'erin', T0 - 17 * H, base),
      change('template', 'gold-asr', 'apply', 'alice', T0 - 5 * H, { id: 'gold-asr', subject: 'ASR' }),
      change('silence', 's-1', 'apply', 'bob', T0 - 3 * H, { silence_id: 's-1', rule: 'low-asr', entity: null, starts_at_ms: T0 - 3 * H, ends_at_ms: T0 + 3 * H, expired_by: null }),
      change('silence', 's-1', 'expire', 'bob', T0 - 2 * H, { silence_id: 's-1', rule: 'low-asr', entity: null, starts_at_ms: T0 - 3 * H, ends_at_ms: T0 - 2 * H, expired_by: 'bob' }),
    ]);
  });

  afterAll(async () => {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('alertTimeline', () => {
    const all = { fromMs: T0 - H, toMs: T0 + H };

    it('puts transitions, penalties and every delivery attempt of all entities in time order, each recorded once, without test alerts', async () => {
      const timeline = await alertTimeline(history, all);
      expect(timeline.truncated).toBe(false);
      expect(timeline.lines.map(brief)).toEqual([
        '+0s alert fired customer:acme low-asr 4',
        '+0s penalty disable customer:acme until +600s',
        '+1s delivery retrying customer:acme email noc@example.net #1 (HTTP 503)',
        '+2s delivery failed customer:acme sms +15551234567 #1 (SNS: rejected)',
        '+3s delivery sent customer:acme email noc@example.net #2',
        '+30s alert fired customer:beta low-asr 7',
        '+31s delivery sent customer:beta email noc@example.net #1',
        '+120s alert fired customer:acme high-pdd 9000',
        '+300s alert reset customer:acme low-asr 35',
        '+600s penalty enable customer:acme',
      ]);
    });

    it('carries what each line needs: the condition, the penalty, the outcome', async () => {
      const { lines } = await alertTimeline(history, all);
      expect(lines[0]).toEqual({
        what: 'alert', event_id: 'a-acme-fired', type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 4,
        threshold: 10, reset_threshold: 31, operator: '<=', level: 'critical', sample_period_ms: 15 * M, at_ms: T0, first_fired_at_ms: T0, test: false,
      });
      expect(lines[1]).toEqual({ what: 'penalty', action_id: 'p-acme-disable', type: 'disable', entity: 'customer:acme', until_ms: T0 + 10 * M, rule_id: 'low-asr', reason: 'Low ASR: 4', at_ms: T0 });
      expect(lines[4]).toMatchObject({ what: 'delivery', status: 'sent', attempt: 2, message_id: '<m1@example.net>', alert_event_id: 'a-acme-fired', error: null });
    });

    it('keeps test alerts and their deliveries only when asked', async () => {
      const { lines } = await alertTimeline(history, { ...all, includeTests: true });
      expect(lines.map(brief)).toEqual(expect.arrayContaining(['+60s alert fired customer:acme low-asr 5', '+61s delivery sent customer:acme email noc@example.net #1']));
      expect(lines).toHaveLength(12);
      expect(lines.find((l) => l.what === 'alert' && l.test)).toBeDefined();
    });

    it('filters by entity, by rule and by time', async () => {
      expect((await alertTimeline(history, { ...all, entity: 'customer:beta' })).lines.map(brief)).toEqual([
        '+30s alert fired customer:beta low-asr 7',
        '+31s delivery sent customer:beta email noc@example.net #1',
      ]);
      expect((await alertTimeline(history, { ...all, ruleId: 'high-pdd' })).lines.map(brief)).toEqual(['+120s alert fired customer:acme high-pdd 9000']);
      expect((await alertTimeline(history, { ...all, ruleId: 'low-asr', entity: 'customer:acme', fromMs: T0 + 2 * S, toMs: T0 + 10 * M })).lines.map(brief)).toEqual([
        '+2s delivery failed customer:acme sms +15551234567 #1 (SNS: rejected)',
        '+3s delivery sent customer:acme email noc@example.net #2',
        '+300s alert reset customer:acme low-asr 35',
      ]);
    });

    it('keeps the newest lines up to the limit, and says it left some out', async () => {
      const timeline = await alertTimeline(history, { ...all, limit: 2 });
      expect(timeline.lines.map(brief)).toEqual(['+300s alert reset customer:acme low-asr 35', '+600s penalty enable customer:acme']);
      expect(timeline.truncated).toBe(true);
      expect((await alertTimeline(history, { ...all, limit: 10 })).truncated).toBe(false);
    });
  });

  describe('configTrail', () => {
    it('labels every change and pairs it with the version it replaced, found before the window', async () => {
      const trail = await configTrail(history, { fromMs: T0 - 2 * D, toMs: T0 });
      expect(trail.map((e) => `${e.kind} ${e.id} ${e.change} by ${e.applied_by}`)).toEqual([
        'rule low-asr apply by bob',
        'rule low-asr disable by carol',
        'rule low-asr enable by carol',
        'rule low-asr delete by dave',
        'rule low-asr create by erin',
        'template gold-asr create by alice',
        'silence s-1 create by bob',
        'silence s-1 expire by bob',
      ]);
      // The first change in the window replaced the version applied ten days earlier.
      expect(trail[0]).toMatchObject({ at_ms: T0 - D, previous: { threshold: 30, applied_by: 'alice' }, body: { threshold: 25 } });
      expect((trail[0]?.body?.notify as unknown[]).length).toBe(2);
      expect(trail[1]).toMatchObject({ previous: { enabled: true, threshold: 25 }, body: { enabled: false } });
      expect(trail[3]).toMatchObject({ body: null, previous: { enabled: true } });
      expect(trail[4]?.previous).toBeNull();
      expect(trail[7]).toMatchObject({ previous: { ends_at_ms: T0 + 3 * H, expired_by: null }, body: { ends_at_ms: T0 - 2 * H, expired_by: 'bob' } });
    });

    it('filters by kind and id, still finding the previous version of a window that starts later', async () => {
      const trail = await configTrail(history, { fromMs: T0 - 19.5 * H, toMs: T0, kind: 'rule', id: 'low-asr' });
      expect(trail.map((e) => e.change)).toEqual(['enable', 'delete', 'create']);
      expect(trail[0]?.previous).toMatchObject({ enabled: false, applied_by: 'carol' });
      expect(await configTrail(history, { fromMs: T0 - 2 * D, toMs: T0, kind: 'class' })).toEqual([]);
    });
  });

  it.each([
    ['the first apply is a create', 'apply', null, { enabled: true }, 'create'],
    ['an apply after a delete is a create', 'apply', null, { threshold: 1 }, 'create'],
    ['only enabled flipped', 'apply', { enabled: true, threshold: 1, applied_by: 'a' }, { enabled: false, threshold: 1, applied_by: 'b' }, 'disable'],
    ['enabled and more', 'apply', { enabled: false, threshold: 1 }, { enabled: true, threshold: 2 }, 'apply'],
    ['nothing flipped', 'apply', { enabled: true, threshold: 1 }, { enabled: true, threshold: 2 }, 'apply'],
    ['a delete', 'delete', { enabled: true }, null, 'delete'],
  ] as const)('changeLabel: %s', (_name, kind, previous, body, label) => {
    expect(changeLabel(kind, previous, body)).toBe(label);
  });
});
