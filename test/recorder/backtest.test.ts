import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { clickHouseReader } from '@callwatch/clickhouse';
import { type InputEvent } from '@callwatch/windows';
import { applyRules, backtest, validateFiles, type ReplayOutput } from '@callwatch/cli';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection, type TopicNames } from '@callwatch/kafka';
import { RECORDER_ENV, startRecorder, type Recorder } from '@callwatch/recorder';
import { RedisKeys, createRedis } from '@callwatch/redis';
import type { AlertEvent } from '@callwatch/schemas';
import { RULES, events } from '../support/conformance-day';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

// The rules and the day of events of the replay conformance test (test/support/conformance-day.ts), here published
// to Kafka, evaluated live, recorded by the recorder, and backtested from ClickHouse.
describe('a backtest of recorded traffic', () => {
  let scope: TestScope;
  let aggregator: Aggregator | undefined;
  let evaluator: Evaluator | undefined;
  let recorder: Recorder | undefined;
  let switches: Connection;
  let dir: string;

  beforeAll(async () => {
    scope = await testScope('backtest', { TOPIC_PARTITIONS: '1', AGGREGATOR_PERIODS: '1h' });
    dir = mkdtempSync(join(tmpdir(), 'callwatch-backtest-'));
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr', 'payment', 'account']);
    await scope.codec.register('alert', scope.topics.alert);
  });

  afterAll(async () => {
    await switches?.close();
    await aggregator?.stop();
    await evaluator?.stop();
    await recorder?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the transitions the live evaluator emitted for that traffic', async () => {
    writeFileSync(join(dir, 'rules.yaml'), RULES);
    const rules = await validateFiles([join(dir, 'rules.yaml')], 'test');
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
    const input = events(t0);

    await applyRules([join(dir, 'rules.yaml')], { env: scope.env, appliedBy: 'test', print: () => {} });
    recorder = await startRecorder(loadConfig(RECORDER_ENV, { ...scope.env, CLICKHOUSE_PATH: join(dir, 'chdb'), RECORDER_BATCH_MS: '100' }));
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    evaluator = await startEvaluator(loadConfig(EVALUATOR_ENV, scope.env));
    // One event at a time, each applied before the next is sent, as the conformance test does.
    const redis = createRedis(scope.env.REDIS_URL as string, { name: 'test' });
    const keys = new RedisKeys(scope.env.REDIS_KEY_PREFIX);
    const sent = new Map<string, number>();
    try {
      for (const event of input) {
        const role: keyof TopicNames = event.type === 'cdr' ? 'cdr' : event.type === 'payment' ? 'payment' : 'account';
        const entity = event.type === 'account' ? event.entity : `customer:${event.customer_id}`;
        const { type: _type, ...value } = event;
        await switches.publisher.publish(switches.topics[role], event.type as never, [{ key: entity, value: value as never }]);
        const offset = sent.get(role) ?? 0;
        sent.set(role, offset + 1);
        await eventually(async () => expect(Number(await redis.hget(keys.entityMeta(entity), `off:${switches.topics[role]}/0`))).toBe(offset), { timeoutMs: 30_000, intervalMs: 50 });
      }
    } finally {
      redis.disconnect();
    }
    const alerts = await collect(scope, scope.topics.alert, 'alert', (m) => m.length >= 11);
    const byTime = (a: ReplayOutput, b: ReplayOutput) => a.at - b.at || a.rule.localeCompare(b.rule) || a.type.localeCompare(b.type);
    const live = alerts.flatMap(({ value: a }: { value: AlertEvent }) => (a.type === 'report' ? [] : [{ type: a.type, rule: a.rule_id, entity: a.entity, value: a.value, at: a.at_ms }])).sort(byTime);

    // Everything published is in ClickHouse (the duplicate CDR too: the recorder keeps what came; windows count ids once).
    const history = clickHouseReader(recorder.clickhouse, 'the test recorder');
    const recorded = async () => {
      const [row] = await history.rows<{ cdrs: string; payments: string; accounts: string; alerts: string }>(
        'SELECT toString((SELECT count() FROM cdrs)) AS cdrs, toString((SELECT count() FROM payments)) AS payments, toString((SELECT count() FROM accounts)) AS accounts, toString((SELECT count() FROM alerts)) AS alerts',
      );
      return row;
    };
    const count = (type: InputEvent['type']) => String(input.filter((e) => e.type === type).length);
    await eventually(async () => expect(await recorded()).toEqual({ cdrs: count('cdr'), payments: count('payment'), accounts: count('account'), alerts: String(alerts.length) }), { timeoutMs: 30_000 });

    const last = Math.max(...input.map((e) => (e.type === 'cdr' ? e.end_ms : e.type === 'call_start' ? e.start_ms : e.at_ms)));
    const result = await backtest(history, rules, { fromMs: t0 - 60_000, toMs: last + 1_000 });
    const transitions = result.transitions.filter((o) => o.type !== 'disable' && o.type !== 'enable' && o.type !== 'report');
    expect(transitions.length).toBe(11);
    expect([...transitions].sort(byTime)).toEqual(live);
  });
});
