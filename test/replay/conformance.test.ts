import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { applyRules, replayFile, validateFiles, type ReplayOutput } from '@callwatch/cli';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection, type TopicNames } from '@callwatch/kafka';
import { RedisKeys, createRedis } from '@callwatch/redis';
import type { AlertEvent } from '@callwatch/schemas';
import { RULES, events } from '../support/conformance-day';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

describe('callwatch replay agrees with the live services', () => {
  let scope: TestScope;
  let aggregator: Aggregator | undefined;
  let evaluator: Evaluator | undefined;
  let switches: Connection;

  beforeAll(async () => {
    scope = await testScope('replay', { TOPIC_PARTITIONS: '1', AGGREGATOR_PERIODS: '1h' });
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr', 'payment', 'account']);
    await scope.codec.register('alert', scope.topics.alert);
  });

  afterAll(async () => {
    await switches?.close();
    await aggregator?.stop();
    await evaluator?.stop();
  });

  it('turns the same events into the same transitions, offline and on Kafka and Redis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-replay-'));
    writeFileSync(join(dir, 'rules.yaml'), RULES);
    const input = events(Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000);
    writeFileSync(join(dir, 'events.jsonl'), input.map((e) => JSON.stringify(e)).join('\n'));

    const offline = await replayFile(await validateFiles([dir], 'test'), join(dir, 'events.jsonl'), { periodsMs: [3_600_000], latenessMs: 5 * 60_000, maxCallMs: 4 * 3_600_000 });
    expect(offline.skipped).toEqual([]);
    // Within one time, the live services publish in no fixed order.
    const byTime = (a: ReplayOutput, b: ReplayOutput) => a.at - b.at || a.rule.localeCompare(b.rule) || a.type.localeCompare(b.type);
    expect(offline.outputs.sort(byTime).map((o) => [o.type, o.rule, o.entity])).toEqual([
      ['fired', 'asr-drop', 'customer:c1'],
      ['fired', 'big-spender', 'customer:c2'],
      ['fired', 'low-balance', 'customer:c2'],
      ['reset', 'asr-drop', 'customer:c1'],
      ['reset', 'low-balance', 'customer:c2'],
      ['fired', 'paid', 'customer:c2'],
      ['fired', 'big-spender', 'customer:c3'],
      ['fired', 'credit-used', 'customer:c3'],
      ['fired', 'low-credit', 'customer:c3'],
      ['reset', 'credit-used', 'customer:c3'],
      ['reset', 'low-credit', 'customer:c3'],
    ]);
    // The same values as the live aggregator's gauges, which the comparison below checks too.
    expect(offline.outputs.filter((o) => o.rule === 'credit-used' || o.rule === 'low-credit').map((o) => [o.type, o.rule, 'value' in o ? o.value : undefined])).toEqual([
      ['fired', 'credit-used', 85],
      ['fired', 'low-credit', 15],
      ['reset', 'credit-used', 35],
      ['reset', 'low-credit', 65],
    ]);

    await applyRules([join(dir, 'rules.yaml')], { env: scope.env, appliedBy: 'test', print: () => {} });
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    evaluator = await startEvaluator(loadConfig(EVALUATOR_ENV, scope.env));
    // One event at a time, each applied before the next is sent, as the replay evaluates after every event.
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
    const alerts = await collect(scope, scope.topics.alert, 'alert', (m) => m.length >= offline.outputs.length);
    // Live reports follow the wall clock and replay's the event time, so this test applies no report rule.
    const live: ReplayOutput[] = alerts.flatMap(({ value: a }: { value: AlertEvent }) => (a.type === 'report' ? [] : [{ type: a.type, rule: a.rule_id, entity: a.entity, value: a.value, at: a.at_ms }]));
    expect(live.sort(byTime)).toEqual(offline.outputs);
  });
});
