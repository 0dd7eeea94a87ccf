import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertRows, createClickHouse, migrate } from '@callwatch/clickhouse';
import type { Rule, Silence, Template } from '@callwatch/schemas';
import { historyAlerts, historyRules } from './history';

const NOW = Date.UTC(2026, 10, 23, 6, 0, 0);
const T0 = Date.UTC(2026, 10, 23, 5, 0, 0);
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

const rule: Rule = {
  id: 'low-asr', title: 'Low ASR', scope: { kind: 'customer', value: 'acme' }, area: 'asr', operator: '<=', threshold: 30, reset_threshold: null,
  sample_period_ms: 15 * M, min_attempts: 1, for_ms: 0, repeat_ms: 0, level: 'critical', penalty_ms: 10 * M, codes: [],
  notify: [{ channel: 'email', target: 'noc@example.net' }], template: null, group_by: null, group_wait_ms: null, group_interval_ms: null, enabled: true,
  extra_json: null, applied_by: 'alice', applied_at_ms: 0,
};
const template: Template = { id: 'gold-asr', description: null, subject: 'ASR low', mjml: '<mjml></mjml>', text: 'low', sms: 'low', variants: [], applied_by: 'alice', applied_at_ms: 0 };
const silence: Silence = {
  silence_id: 's-1', rule: 'low-asr', entity: null, starts_at_ms: NOW - 3 * H, ends_at_ms: NOW + 3 * H, comment: 'maintenance', created_by: 'bob', created_at_ms: NOW - 3 * H, expired_by: null,
};

const change = (kind: string, id: string, what: string, by: string, at: number, body: object | null) => ({
  kind, id, change: what, applied_by: by, at_ms: at, body: body === null ? '' : JSON.stringify(body),
});

describe('callwatch history', () => {
  let dir: string;
  let out: string[];
  let notes: string[];
  const options = () => ({
    env: { CLICKHOUSE_PATH: dir, RECORDER_URL: 'http://127.0.0.1:1' },
    print: (text: string) => void out.push(text),
    warn: (line: string) => void notes.push(line),
    now: NOW,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-cli-history-'));
    const client = createClickHouse({ url: undefined, path: dir });
    let offset = 0;
    const insert = (table: string, values: object[]) =>
      insertRows(client, table, values.map((v) => ({ src_topic: table, src_partition: 0, src_offset: offset++, ...v })));
    try {
      await migrate(client);
      const alert = { rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', threshold: 10, reset_threshold: 31, operator: '<=', level: 'critical', sample_period_ms: 15 * M, first_fired_at_ms: T0, test: false };
      await insert('alerts', [
        { ...alert, event_id: 'e1', type: 'fired', value: 4, at_ms: T0 },
        { ...alert, event_id: 'e2', type: 'reset', value: 35.5, at_ms: T0 + 5 * M },
        { ...alert, event_id: 'e3', type: 'fired', value: 2, at_ms: T0 + M, test: true },
      ]);
      await insert('actions', [
        { action_id: 'p1', type: 'disable', entity: 'customer:acme', until_ms: T0 + 10 * M, rule_id: 'low-asr', reason: 'Low ASR: 4', at_ms: T0 },
        { action_id: 'p2', type: 'enable', entity: 'customer:acme', until_ms: null, rule_id: 'low-asr', reason: 'penalty of low-asr ended', at_ms: T0 + 10 * M },
      ]);
      const delivery = { alert_event_id: 'e1', rule_id: 'low-asr', entity: 'customer:acme', channel: 'email', recipient: 'noc@example.net', message_id: null, group_key: null };
      await insert('notifications', [
        { ...delivery, notification_id: 'n1', status: 'retrying', attempt: 1, error: 'HTTP 503, "busy"', at_ms: T0 + S },
        { ...delivery, notification_id: 'n2', status: 'sent', attempt: 2, error: null, message_id: '<m@x>', at_ms: T0 + 3 * S },
      ]);
      // low-asr was created ten days ago, before any range asked for below.
      const changed: Rule = { ...rule, threshold: 25, notify: [...rule.notify, { channel: 'email', target: 'billing@example.net' }] };
      await insert('config_changes', [
        change('rule', 'low-asr', 'apply', 'alice', NOW - 10 * D, rule),
        change('rule', 'low-asr', 'apply', 'bob', NOW - D, { ...changed, applied_by: 'bob' }),
        change('rule', 'low-asr', 'apply', 'carol', NOW - 20 * H, { ...changed, enabled: false, applied_by: 'carol' }),
        change('rule', 'low-asr', 'apply', 'carol', NOW - 19 * H, { ...changed, applied_by: 'carol' }),
        change('rule', 'low-asr', 'delete', 'dave', NOW - 18 * H, null),
        change('template', 'gold-asr', 'apply', 'alice', NOW - 9 * D, template),
        change('template', 'gold-asr', 'apply', 'erin', NOW - 5 * H, { ...template, subject: 'ASR is low' }),
        change('silence', 's-1', 'apply', 'bob', NOW - 3 * H, silence),
        change('silence', 's-1', 'expire', 'bob', NOW - 2 * H, { ...silence, ends_at_ms: NOW - 2 * H, expired_by: 'bob' }),
      ]);
    } finally {
      await client.close();
    }
  });

  beforeEach(() => {
    out = [];
    notes = [];
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('history alerts', () => {
    it('prints one timeline, each line saying what it is, without test alerts', async () => {
      await historyAlerts({ since: '7d' }, options());
      expect(out.join('')).toBe([
        '2026-11-23T05:00:00.000Z  alert     fired     customer:acme  low-asr  critical asr 4 <= 10 over 15m',
        '2026-11-23T05:00:00.000Z  penalty   disable   customer:acme  low-asr  until 2026-11-23T05:10:00.000Z (10m): Low ASR: 4',
        '2026-11-23T05:00:01.000Z  delivery  retrying  customer:acme  low-asr  email noc@example.net attempt 1: HTTP 503, "busy"',
        '2026-11-23T05:00:03.000Z  delivery  sent      customer:acme  low-asr  email noc@example.net attempt 2',
        '2026-11-23T05:05:00.000Z  alert     reset     customer:acme  low-asr  critical asr 35.5 back past 31 over 15m',
        '2026-11-23T05:10:00.000Z  penalty   enable    customer:acme  low-asr  penalty of low-asr ended',
        '',
      ].join('\n'));
      expect(notes).toEqual([]);
    });

    it('includes test alerts when asked, and keeps the newest lines to the limit with a note', async () => {
      await historyAlerts({ since: '7d', includeTests: true, limit: '3' }, options());
      expect(out.join('')).toBe([
        '2026-11-23T05:01:00.000Z  alert    fired   customer:acme  low-asr  critical asr 2 <= 10 over 15m [TEST]',
        '2026-11-23T05:05:00.000Z  alert    reset   customer:acme  low-asr  critical asr 35.5 back past 31 over 15m',
        '2026-11-23T05:10:00.000Z  penalty  enable  customer:acme  low-asr  penalty of low-asr ended',
        '',
      ].join('\n'));
      expect(notes).toEqual(['showing the newest 3 lines; older ones in the range were left out (narrow the range or raise --limit)']);
    });

    it('writes CSV with one column per field, quoting where needed', async () => {
      await historyAlerts({ from: '2026-11-23T05:00:01Z', to: '2026-11-23T05:05', format: 'csv' }, options());
      expect(out.join('').split('\r\n')).toEqual([
        'at,what,entity,rule_id,type,level,area,value,operator,threshold,reset_threshold,until,reason,channel,recipient,status,attempt,error,message_id,id,alert_event_id',
        '2026-11-23T05:00:01.000Z,delivery,customer:acme,low-asr,,,,,,,,,,email,noc@example.net,retrying,1,"HTTP 503, ""busy""",,n1,e1',
        '2026-11-23T05:00:03.000Z,delivery,customer:acme,low-asr,,,,,,,,,,email,noc@example.net,sent,2,,<m@x>,n2,e1',
        '',
      ]);
    });

    it('writes JSON, filtered by rule and entity', async () => {
      await historyAlerts({ since: '7d', rule: 'low-asr', entity: 'customer:acme', format: 'json' }, options());
      const lines = JSON.parse(out.join('')) as Array<Record<string, unknown>>;
      expect(lines.map((l) => `${l.what} ${l.what === 'delivery' ? l.status : l.type}`)).toEqual(['alert fired', 'penalty disable', 'delivery retrying', 'delivery sent', 'alert reset', 'penalty enable']);
      expect(lines[1]).toMatchObject({ until_ms: T0 + 10 * M, reason: 'Low ASR: 4' });
      out = [];
      await historyAlerts({ since: '7d', entity: 'customer:beta' }, options());
      expect(out.join('')).toBe('no alerts, penalties or deliveries in this range\n');
    });

    it.each([
      [{ format: 'xml' }, '--format: expected table, json, csv, got "xml"'],
      [{ entity: 'acme' }, '--entity: expected an entity such as customer:<id> or carrier:<id>, got "acme"'],
      [{ limit: '0' }, '--limit: expected a whole number of lines, 1 or more, got "0"'],
      [{ since: '7d', from: '2026-11-01' }, '--since cannot go with --from/--to: give one or the other'],
    ])('refuses %p', async (flags, message) => {
      await expect(historyAlerts(flags, options())).rejects.toMatchObject({ code: 'CW_ERR_CLI_USAGE', message });
    });
  });

  describe('history rules', () => {
    it('prints the audit trail with each field changed against the previous version, found before --since', async () => {
      await historyRules({ since: '2d' }, options());
      expect(out.join('')).toBe([
        '2026-11-22T06:00:00.000Z  rule      low-asr   apply    by bob',
        '    threshold: 30 → 25',
        '    notify[1].email: added billing@example.net',
        '2026-11-22T10:00:00.000Z  rule      low-asr   disable  by carol',
        '    enabled: true → false',
        '2026-11-22T11:00:00.000Z  rule      low-asr   enable   by carol',
        '    enabled: false → true',
        '2026-11-22T12:00:00.000Z  rule      low-asr   delete   by dave',
        '2026-11-23T01:00:00.000Z  template  gold-asr  apply    by erin',
        '    subject',
        '2026-11-23T03:00:00.000Z  silence   s-1       create   by bob',
        '2026-11-23T04:00:00.000Z  silence   s-1       expire   by bob',
        '    ends_at: 2026-11-23T09:00:00.000Z → 2026-11-23T04:00:00.000Z',
        '    expired_by: (none) → bob',
        '',
      ].join('\n'));
    });

    it('labels the first apply of an id as create, and filters by kind and id', async () => {
      await historyRules({ since: '30d', rule: 'low-asr', kind: 'rule', format: 'csv' }, options());
      expect(out.join('').split('\r\n')).toEqual([
        'at,kind,id,change,applied_by,changes',
        '2026-11-13T06:00:00.000Z,rule,low-asr,create,alice,',
        '2026-11-22T06:00:00.000Z,rule,low-asr,apply,bob,threshold: 30 → 25; notify[1].email: added billing@example.net',
        '2026-11-22T10:00:00.000Z,rule,low-asr,disable,carol,enabled: true → false',
        '2026-11-22T11:00:00.000Z,rule,low-asr,enable,carol,enabled: false → true',
        '2026-11-22T12:00:00.000Z,rule,low-asr,delete,dave,',
        '',
      ]);
    });

    it('writes JSON with the document applied', async () => {
      const lines = await historyRules({ since: '2d', kind: 'template', format: 'json' }, options());
      expect(JSON.parse(out.join(''))).toEqual(lines);
      expect(lines).toEqual([expect.objectContaining({ id: 'gold-asr', change: 'apply', changes: ['subject'], body: expect.objectContaining({ subject: 'ASR is low' }) })]);
    });

    it('refuses an unknown kind', async () => {
      await expect(historyRules({ kind: 'rules' }, options())).rejects.toMatchObject({ code: 'CW_ERR_CLI_USAGE', message: '--kind: expected rule, template, class, silence, got "rules"' });
    });
  });
});
