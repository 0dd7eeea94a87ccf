import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRules, changeRules } from '@callwatch/cli';
import { loadConfig } from '@callwatch/core';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import { RedisKeys, createRedis } from '@callwatch/redis';
import type { MetricSnapshot } from '@callwatch/schemas';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

const RULES = `
- { id: to-disable, title: To disable, scope: { all: customers }, area: asr, operator: "<=", threshold: 30, sample_period: 5m, level: warning }
- { id: to-delete, title: To delete, scope: { customer: acme }, area: balance, operator: "<", threshold: 10, level: error }
- { id: marker, title: Marker, scope: { customer: acme }, area: channels, operator: ">=", threshold: 5, level: info }
`;

const snapshot = (at_ms: number, channels: number): MetricSnapshot => ({
  entity: 'customer:acme', at_ms, channels, balance: 5, credit: null, credit_used: null, late: 0, version: 0,
  windows: [{ sample_period_ms: 300_000, attempts: 20, answered: 2, asr: 10, ner: null, acd: null, pdd: null, cps: null, spend: null, margin: null, sdr: null, codes: {} }],
});

describe('alerts of rules that no longer apply, in the live evaluator', () => {
  let scope: TestScope;
  let evaluator: Evaluator;
  let metrics: Connection;

  beforeAll(async () => {
    scope = await testScope('orphaned-alerts');
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-orphaned-alerts-'));
    writeFileSync(join(dir, 'rules.yaml'), RULES);
    await applyRules([dir], { env: scope.env, appliedBy: 'test', print: () => {} });
    evaluator = await startEvaluator(loadConfig(EVALUATOR_ENV, scope.env));
    await eventually(async () => expect([...evaluator.rules.values()].length).toBe(3));
    // Stands in for the aggregator: snapshots go straight to the metric topic, keyed by entity.
    metrics = await connect(loadConfig(EVALUATOR_ENV, scope.env), `${scope.id}-aggregator`, ['metric']);
  });

  afterAll(async () => {
    await evaluator?.stop();
    await metrics?.close();
  });

  it('resets a firing alert once when its rule is disabled or deleted, and forgets its state', async () => {
    const t = Date.now() - 60_000;
    const send = (s: MetricSnapshot) => metrics.publisher.publish(metrics.topics.metric, 'metric', [{ key: s.entity, value: s }]);
    await send(snapshot(t, 0));
    await collect(scope, scope.topics.alert, 'alert', (m) => m.length >= 2);

    const quiet = { env: scope.env, print: () => {}, by: 'test' };
    await changeRules(['to-disable'], 'disable', quiet);
    await changeRules(['to-delete'], 'delete', quiet);
    await eventually(async () => expect([evaluator.rules.get('to-disable')?.enabled, evaluator.rules.get('to-delete')]).toEqual([false, undefined]));
    await send(snapshot(t + 1_000, 0));
    // The marker fires on the third snapshot only: once it is seen, every snapshot before it has been judged.
    await send(snapshot(t + 2_000, 5));
    await collect(scope, scope.topics.alert, 'alert', (m) => m.some((a) => a.value.rule_id === 'marker'));
    await new Promise((r) => setTimeout(r, 1_500)); // nothing else may follow
    const alerts = (await collect(scope, scope.topics.alert, 'alert', (m) => m.length >= 5)).map((m) => m.value)
      .sort((a, b) => a.at_ms - b.at_ms || a.rule_id.localeCompare(b.rule_id));

    expect(alerts.map((a) => [a.type, a.rule_id, a.rule_title, a.area, a.level, a.value, a.at_ms - t, a.first_fired_at_ms - t])).toEqual([
      ['fired', 'to-delete', 'To delete', 'balance', 'error', 5, 0, 0],
      ['fired', 'to-disable', 'To disable', 'asr', 'warning', 10, 0, 0],
      // Deleted: described as it was when it fired; disabled: as it is now.
      ['reset', 'to-delete', 'To delete', 'balance', 'error', 5, 1_000, 0],
      ['reset', 'to-disable', 'To disable', 'asr', 'warning', 10, 1_000, 0],
      ['fired', 'marker', 'Marker', 'channels', 'info', 5, 2_000, 2_000],
    ]);
    expect(new Set(alerts.map((a) => a.event_id)).size).toBe(5);

    const redis = createRedis(scope.env.REDIS_URL as string, { name: 'test' });
    try {
      // The rule's state is gone; the position of the last snapshot judged stays.
      expect((await redis.hkeys(new RedisKeys(scope.env.REDIS_KEY_PREFIX).alertStates('customer:acme'))).sort()).toEqual(['_applied', 'marker']);
    } finally {
      redis.disconnect();
    }
  });
});
