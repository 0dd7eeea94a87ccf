import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { applyRules } from '@callwatch/cli';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import type { MetricSnapshot } from '@callwatch/schemas';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

// The evaluator saves an entity's alert states with the position of the last snapshot it judged. Snapshots
// redelivered after that (a crash between saving and committing offsets, a rebalance) are not judged again against
// the newer states, which would fire or reset a second time under new event ids.
describe('evaluator and redelivered snapshots', () => {
  let scope: TestScope;
  let aggregator: Connection; // stands in for the aggregator: publishes metric snapshots
  let evaluator: Evaluator | undefined;

  beforeAll(async () => {
    scope = await testScope('redelivery', { TOPIC_PARTITIONS: '1' });
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-redelivery-'));
    writeFileSync(join(dir, 'rules.yaml'), '{ id: low-asr, title: Low ASR, scope: { all: customers }, area: asr, operator: "<=", threshold: 30, reset_threshold: 31, sample_period: 5m, level: warning }\n');
    await applyRules([dir], { env: scope.env, appliedBy: 'test', print: () => {} });
    aggregator = await connect(loadConfig(EVALUATOR_ENV, scope.env), `${scope.id}-aggregator`, ['metric']);
  });

  afterAll(async () => {
    await evaluator?.stop();
    await aggregator?.close();
  });

  it('does not judge again snapshots whose entity states were saved after them', async () => {
    const base = Date.now();
    const snapshot = (asr: number, dt: number): MetricSnapshot => ({
      entity: 'customer:acme', at_ms: base + dt, channels: null, balance: null, credit: null, credit_used: null, late: 0, version: 0,
      windows: [{ sample_period_ms: 300_000, attempts: 100, answered: asr, asr, ner: null, acd: null, pdd: null, cps: null, spend: null, margin: null, sdr: null, codes: {} }],
    });
    const publish = (s: MetricSnapshot[]) => aggregator.publisher.publish(aggregator.topics.metric, 'metric', s.map((v) => ({ key: v.entity, value: v })));
    const alerts = (n: number) => collect(scope, scope.topics.alert, 'alert', (m) => m.length >= n).then((m) => m.map(({ value: a }) => `${a.type}@${a.at_ms - base}`));
    const config = loadConfig(EVALUATOR_ENV, scope.env);

    evaluator = await startEvaluator(config);
    await publish([snapshot(20, 1_000), snapshot(25, 2_000), snapshot(50, 3_000)]);
    expect(await alerts(2)).toEqual(['fired@1000', 'reset@3000']);
    await evaluator.stop();
    evaluator = undefined;

    // What a crash after saving states and before committing offsets leaves: the group resumes at the second snapshot.
    const admin = scope.kafka.admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId: config.EVALUATOR_GROUP_ID, topic: scope.topics.metric, partitions: [{ partition: 0, offset: '1' }] });
    } finally {
      await admin.disconnect();
    }
    evaluator = await startEvaluator(config);
    // A new snapshot after the redelivered ones fires again: only it may add an event.
    await publish([snapshot(10, 4_000)]);
    expect(await alerts(3)).toEqual(['fired@1000', 'reset@3000', 'fired@4000']);
    const registry = evaluator.runtime.health.registry;
    await eventually(async () => expect(await registry.getSingleMetricAsString('callwatch_evaluator_redelivered_total')).toMatch(/ 2$/m));
    // Nothing else arrives: read again once the count above shows the redelivered snapshots were handled.
    expect(await alerts(3)).toEqual(['fired@1000', 'reset@3000', 'fired@4000']);
  });

  // The aggregator's sides (calls, billing) publish an entity's snapshots concurrently, so one can reach the topic
  // after a newer one. Its version tells: judged, it would take the entity back in time.
  it('does not judge a snapshot older than one it judged (overtaken on its way), by its version', async () => {
    const base = Date.now();
    const entity = 'customer:beta';
    const snapshot = (asr: number, dt: number, version: number): MetricSnapshot => ({
      entity, at_ms: base + dt, channels: null, balance: null, credit: null, credit_used: null, late: 0, version,
      windows: [{ sample_period_ms: 300_000, attempts: 100, answered: asr, asr, ner: null, acd: null, pdd: null, cps: null, spend: null, margin: null, sdr: null, codes: {} }],
    });
    const publish = (s: MetricSnapshot[]) => aggregator.publisher.publish(aggregator.topics.metric, 'metric', s.map((v) => ({ key: v.entity, value: v })));
    const alerts = (n: number) => collect(scope, scope.topics.alert, 'alert', (m) => m.filter(({ value: a }) => a.entity === entity).length >= n)
      .then((m) => m.filter(({ value: a }) => a.entity === entity).map(({ value: a }) => `${a.type}@${a.at_ms - base}`));
    evaluator ??= await startEvaluator(loadConfig(EVALUATOR_ENV, scope.env));
    const registry = evaluator.runtime.health.registry;

    // In one batch: the version-2 state fires; version 1, overtaken, would reset it; version 3 keeps it firing.
    await publish([snapshot(20, 2_000, (base + 2_000) * 1_000), snapshot(50, 1_000, (base + 1_000) * 1_000), snapshot(25, 3_000, (base + 3_000) * 1_000)]);
    expect(await alerts(1)).toEqual(['fired@2000']);
    await eventually(async () => expect(await registry.getSingleMetricAsString('callwatch_evaluator_stale_snapshots_total')).toMatch(/ 1$/m));
    // In a later batch (the saved position holds the version): an older version again, then a newer one that resets.
    await publish([snapshot(50, 2_500, (base + 2_500) * 1_000)]);
    await eventually(async () => expect(await registry.getSingleMetricAsString('callwatch_evaluator_stale_snapshots_total')).toMatch(/ 2$/m));
    await publish([snapshot(50, 4_000, (base + 4_000) * 1_000)]);
    expect(await alerts(2)).toEqual(['fired@2000', 'reset@4000']);
  });
});
