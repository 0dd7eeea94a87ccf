import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { entityKey, loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { applyRules, entityStatus, testRule } from '@callwatch/cli';
import { AlertStore, RedisKeys, createRedis, type Redis } from '@callwatch/redis';
import { connect, type Connection } from '@callwatch/kafka';
import type { AlertState } from '@callwatch/rules';
import { cdrs } from '../support/cdrs';
import { collect, eventually, testScope, type TestScope } from '../support/harness';
import { emailsTo, motoData } from '../support/moto';

// Against the real aggregator, Kafka, registry, Redis and moto. moto is shared by tests running in parallel, so every
// address and phone number here is this run's own, and only those are read back.
describe('callwatch rules test', () => {
  let scope: TestScope;
  let aggregator: Aggregator | undefined;
  let switches: Connection | undefined;
  let redis: Redis | undefined;
  let alerts: AlertStore;
  let customer: string;
  let entity: string;
  let noc: string;
  let phone: string;

  const smsTo = async (number: string) => ((await motoData()).sms as Array<{ phone_number: string; message: string }>).filter((s) => s.phone_number === number);
  // The number of messages a topic holds, without waiting for any.
  const topicSize = async (topic: string) => {
    const admin = scope.kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    scope = await testScope('rules-test', { AGGREGATOR_PERIODS: '5m,1h' });
    const unique = scope.id.slice(-8);
    scope.env.NOTIFY_EMAIL_FROM = `alerts-${unique}@callwatch.test`;
    customer = `acme-${unique}`;
    entity = entityKey('customer', customer);
    noc = `noc-${unique}@example.net`;
    phone = `+1555${String(parseInt(unique, 16) % 10_000_000).padStart(7, '0')}`;

    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-test-'));
    writeFileSync(join(dir, 'rules.yaml'), `
- { id: low-asr, title: Low ASR, scope: { customer: ${customer} }, area: asr, operator: "<=", threshold: 30, reset_threshold: 31, sample_period: 5m, level: warning, notify: [ { email: "${noc}" }, { sms: "${phone}" } ] }
- { id: busy-asr, title: Busy ASR, scope: { customer: ${customer} }, area: asr, operator: "<=", threshold: 30, sample_period: 5m, min_attempts: 20, level: info }
- { id: gold-asr, title: Gold ASR, scope: { class: gold }, area: asr, operator: "<", threshold: 50, sample_period: 5m, level: info }
`);
    await applyRules([dir], { env: scope.env, appliedBy: 'rules-test', print: () => {} });

    // 5 calls, 1 answered: ASR 20% in the 5m window, counted by the real aggregator.
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr']);
    await switches.publisher.publish(switches.topics.cdr, 'cdr', cdrs(customer, 5, 1).map((c) => ({ key: entity, value: c })));
    await eventually(async () => expect((await entityStatus(entity, scope.env)).windows.find((w) => w.sample_period_ms === 300_000)?.attempts).toBe(5));

    redis = createRedis(scope.env.REDIS_URL as string);
    alerts = new AlertStore(redis, new RedisKeys(scope.env.REDIS_KEY_PREFIX));
  });

  afterAll(async () => {
    await switches?.close();
    await aggregator?.stop();
    redis?.disconnect();
  });

  it('shows the value, the condition and the decision, renders the TEST notification, and sends nothing', async () => {
    let out = '';
    const report = await testRule('low-asr', entity, { env: scope.env, print: (text) => (out += text) });

    expect(report).toMatchObject({ entity, area: 'asr', samplePeriodMs: 300_000, value: 20, attempts: 5, minAttempts: 1, operator: '<=', threshold: 30, resetThreshold: 31, outcome: 'fire', liveState: null });
    expect(out).toContain('value            20\n');
    expect(out).toContain('attempts         5 (min_attempts 1)\n');
    expect(out).toContain('reset_threshold  31\n');
    expect(out).toContain('decision         would fire\n');
    expect(out).toContain('live state       none (the evaluator holds no state for this rule and entity)\n');
    expect(report.alert).toMatchObject({ type: 'fired', test: true, rule_id: 'low-asr', entity, value: 20 });
    expect(report.alert.event_id).toMatch(/^[0-9a-f]{40}$/);
    expect(report.messages.map((m) => [m.channel, m.recipient])).toEqual([['email', noc], ['sms', phone]]);
    expect(report.messages[0]?.subject).toBe(`[TEST] [warning] Low ASR: ${customer} ASR 20.0% (fired)`);
    expect(report.messages[0]?.text).toMatch(/^\[TEST\] This is a TEST notification/);
    expect(report.messages[1]?.sms).toMatch(/^\[TEST\] warning: Low ASR - /);
    expect(out).toContain(`    subject: [TEST] [warning] Low ASR: ${customer} ASR 20.0% (fired)\n`);
    expect(out).toContain(`  sms ${phone}\n    sms: [TEST] warning: Low ASR`);
    expect(out).not.toContain('<html');
    expect(out).toContain('nothing sent (--send delivers to the 2 recipient(s))');

    expect(report.notifications).toEqual([]);
    expect(await emailsTo(noc)).toEqual([]);
    expect(await smsTo(phone)).toEqual([]);
    expect(await topicSize(scope.topics.notification)).toBe(0);
    expect(await topicSize(scope.topics.alert)).toBe(0);
  });

  it('holds for lack of data below min_attempts', async () => {
    const report = await testRule('busy-asr', entity, { env: scope.env, print: () => {} });
    expect(report).toMatchObject({ value: 20, attempts: 5, outcome: 'no_data', decision: 'no data (5 attempts < min_attempts 20)', messages: [] });
  });

  it('with --send delivers through SES and SNS, records the deliveries, and leaves alerts and their state alone', async () => {
    const state: AlertState = { status: 'firing', since_ms: 1_700_000_000_000, first_fired_at_ms: 1_700_000_000_000, last_notified_ms: 1_700_000_000_000, value: 25 };
    await alerts.save(new Map([[entity, new Map([['low-asr', state]])]]));

    let out = '';
    const report = await testRule('low-asr', entity, { env: scope.env, send: true, json: true, print: (text) => (out += text) });
    expect(JSON.parse(out)).toEqual(report);
    expect(report.liveState).toEqual(state);
    expect(report.notifications.map((n) => [n.channel, n.recipient, n.status, n.alert_event_id])).toEqual([
      ['email', noc, 'sent', report.alert.event_id],
      ['sms', phone, 'sent', report.alert.event_id],
    ]);

    const emails = await emailsTo(noc);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toContain('[TEST]');
    expect(emails[0]?.source).toContain(scope.env.NOTIFY_EMAIL_FROM);
    // The email carries the chart the notifier would draw, from the live windows.
    const parsed = await PostalMime.parse(emails[0]?.raw as string);
    expect(parsed.attachments.map((a) => [a.mimeType, a.disposition])).toEqual([['image/png', 'inline']]);
    expect(parsed.html).toContain(`src="cid:${(parsed.attachments[0]?.contentId ?? '').replace(/^<|>$/g, '')}"`);
    const sms = await smsTo(phone);
    expect(sms).toHaveLength(1);
    expect(sms[0]?.message).toMatch(/^\[TEST\] /);

    const records = await collect(scope, scope.topics.notification, 'notification', (m) => m.length >= 2);
    expect(records.map((r) => r.value).sort((a, b) => a.channel.localeCompare(b.channel))).toEqual([...report.notifications].sort((a, b) => a.channel.localeCompare(b.channel)));
    expect(records.every((r) => r.key === entity)).toBe(true);
    expect(await topicSize(scope.topics.alert)).toBe(0);
    expect(await alerts.get(entity, 'low-asr')).toEqual(state);
  });

  it('refuses an unknown rule, an entity out of its scope, and a malformed entity, precisely', async () => {
    const quiet = { env: scope.env, print: () => {} };
    await expect(testRule('nope', entity, quiet)).rejects.toMatchObject({ code: 'CW_ERR_CLI_USAGE', message: `no such rule on ${scope.topics.rule}: nope (see callwatch rules list)` });
    await expect(testRule('low-asr', 'customer:other', quiet)).rejects.toMatchObject({ code: 'CW_ERR_CLI_USAGE', message: `rule low-asr watches customer:${customer}, not customer:other` });
    await expect(testRule('gold-asr', entity, quiet)).rejects.toMatchObject({
      code: 'CW_ERR_CLI_USAGE', message: `rule gold-asr watches accounts of class gold, not ${entity}: it has no account on ${scope.topics.account}`,
    });
    await expect(testRule('low-asr', 'acme', quiet)).rejects.toMatchObject({ code: 'CW_ERR_CLI_USAGE', message: expect.stringMatching(/^--entity: expected an entity such as customer:<id>/) });
  });
});
