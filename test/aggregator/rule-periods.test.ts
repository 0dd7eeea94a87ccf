import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { applyRules, changeRules } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { RedisKeys, createRedis } from '@callwatch/redis';
import type { MetricSnapshot } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { collect, testScope, type TestScope } from '../support/harness';

const rule = (id: string, period: string) => `
- id: ${id}
  title: Attempts over ${period}
  scope: { all: customers }
  area: attempts
  operator: ">="
  threshold: 1000
  sample_period: ${period}
  level: info
  notify: []
`;

describe('aggregator sample periods follow the rules on real Kafka and Redis', () => {
  let scope: TestScope;
  let aggregator: Aggregator | undefined;
  let switches: Connection;

  beforeAll(async () => {
    scope = await testScope('periods', { TOPIC_PARTITIONS: '1', AGGREGATOR_PERIODS: '1m' });
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr']);
    await scope.codec.register('metric', scope.topics.metric);
  });

  afterAll(async () => {
    await switches?.close();
    await aggregator?.stop();
  });

  const apply = async (rules: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-periods-'));
    writeFileSync(join(dir, 'rules.yaml'), rules);
    await applyRules([dir], { env: scope.env, appliedBy: 'test', print: () => {} });
  };

  it('keeps windows for every period a rule uses: those of the rules at start, then as rules come and go', async () => {
    const customer = `periods-${scope.id}`;
    const entity = `customer:${customer}`;
    let sent = 0;
    // One CDR at a time, each waited for: its snapshot.
    const call = async (): Promise<MetricSnapshot> => {
      sent++;
      await switches.publisher.publish(switches.topics.cdr, 'cdr', [{ key: entity, value: cdr(customer, true, Date.now(), { cdr_id: `p-${sent}` }) }]);
      const attempts = sent;
      const seen = await collect(scope, scope.topics.metric, 'metric', (m) => m.some((s) => s.value.entity === entity && s.value.windows[0]?.attempts === attempts));
      return seen.map((s) => s.value).find((s) => s.entity === entity && s.windows[0]?.attempts === attempts) as MetricSnapshot;
    };
    const periods = (s: MetricSnapshot) => s.windows.map((w) => [w.sample_period_ms, w.attempts]);
    // Until the aggregator has the rules' change: each CDR's snapshot shows whether it had.
    const callUntil = async (done: (s: MetricSnapshot) => boolean): Promise<MetricSnapshot> => {
      for (let i = 0; i < 50; i++) {
        const snapshot = await call();
        if (done(snapshot)) return snapshot;
      }
      throw new Error('the aggregator never took the rules\' change');
    };

    // A rule over 2 minutes, applied before the aggregator starts: its window is there from the first CDR.
    await apply(rule('two-min', '2m'));
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    expect(periods(await call())).toEqual([[60_000, 1], [120_000, 1]]);

    // A rule over 3 minutes, applied while it runs: its window fills from then on.
    await apply(rule('two-min', '2m') + rule('three-min', '3m'));
    const added = await callUntil((s) => s.windows.some((w) => w.sample_period_ms === 180_000));
    expect(periods(added)).toEqual([[60_000, sent], [120_000, sent], [180_000, 1]]);

    // The last rule over 2 minutes deleted: the window leaves the snapshots, and Redis.
    await changeRules(['two-min'], 'delete', { env: scope.env, by: 'test', print: () => {} });
    const dropped = await callUntil((s) => !s.windows.some((w) => w.sample_period_ms === 120_000));
    expect(dropped.windows.map((w) => w.sample_period_ms)).toEqual([60_000, 180_000]);
    const redis = createRedis(scope.env.REDIS_URL as string, { name: 'test' });
    try {
      const fields = await redis.hkeys(new RedisKeys(scope.env.REDIS_KEY_PREFIX).entityWindows(entity));
      expect(fields.filter((f) => f.startsWith('120000:'))).toEqual([]);
      expect(fields.filter((f) => f.startsWith('180000:')).length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
