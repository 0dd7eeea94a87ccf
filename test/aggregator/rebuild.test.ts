import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { entityStatus } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { RedisKeys, connectNodes } from '@callwatch/redis';
import type { Cdr } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { eventually, testScope, type TestScope } from '../support/harness';

// On the standalone Redis, and on the Redis Cluster (three primaries, all losing their state) that infra/ also starts;
// and with checkpoints on an interval rather than after every batch.
describe.each([
  ['a standalone Redis', {}],
  ['a Redis Cluster', { REDIS_URL: process.env.REDIS_CLUSTER_URL }],
  // Batches folded and not yet written when the loss is noticed are dropped, and read again with the rest.
  ['a standalone Redis, with a checkpoint every 250 ms,', { AGGREGATOR_CHECKPOINT_MS: '250' }],
])('aggregator after %s loses its state', (_, redisEnv: NodeJS.ProcessEnv) => {
  let scope: TestScope;
  let aggregator: Aggregator | undefined;
  let switches: Connection;
  const config = () => loadConfig(AGGREGATOR_ENV, { ...scope.env, AGGREGATOR_PERIODS: '5m,1h' });

  beforeAll(async () => {
    scope = await testScope('rebuild', redisEnv);
    switches = await connect(config(), `${scope.id}-switch`, ['cdr', 'callStart', 'payment', 'account']);
  });

  afterAll(async () => {
    await switches?.close();
    await aggregator?.stop();
  });

  const expected = new Map<string, { attempts: number; answered: number }>();
  let seq = 0;
  const sendRound = async (size: number) => {
    const round: Cdr[] = Array.from({ length: size }, () => {
      const n = seq++;
      return cdr(`${scope.id}-c${n % 6}`, n % 4 === 0, Date.now() - 1_000, { cdr_id: `cdr-${n}`, carrier_id: `${scope.id}-t${n % 3}`, charge: n % 4 === 0 ? 0.25 : 0 });
    });
    for (const c of round) {
      for (const entity of [`customer:${c.customer_id}`, `carrier:${c.carrier_id}`]) {
        const e = expected.get(entity) ?? { attempts: 0, answered: 0 };
        e.attempts++;
        if (c.answer_ms !== null) e.answered++;
        expected.set(entity, e);
      }
    }
    await switches.publisher.publish(switches.topics.cdr, 'cdr', round.map((c) => ({ key: `customer:${c.customer_id}`, value: c })));
  };
  const rich = () => `customer:${scope.id}-c0`;

  const expectRebuilt = async (balance: number) => {
    await eventually(async () => {
      for (const [entity, { attempts, answered }] of expected) {
        const status = await entityStatus(entity, scope.env);
        expect({ entity, windows: status.windows.map((w) => [w.attempts, w.answered]) }).toEqual({ entity, windows: [[attempts, answered], [attempts, answered]] });
      }
      expect(await entityStatus(rich(), scope.env)).toMatchObject({ balance, channels: 1 });
    }, { timeoutMs: 60_000, intervalMs: 500 });
  };

  /** versions reads every entity's state version (that of its metric snapshots). */
  const versions = async () => new Map(await Promise.all([...expected.keys()].map(async (entity) => [entity, (await entityStatus(entity, scope.env)).version] as const)));
  /** expectNewerVersions checks that the versions kept growing across the loss: newer snapshots are never judged stale. */
  const expectNewerVersions = async (before: Map<string, number>) => {
    const after = await versions();
    for (const [entity, version] of before) expect({ entity, newer: (after.get(entity) ?? 0) > version }).toEqual({ entity, newer: true });
  };

  /**
   * forget deletes every key of this test's prefix, as a Redis restarted without persistence would; with `onePrimary`,
   * only those of the Cluster primary that holds the most of them and not the epoch marker itself.
   */
  const forget = async ({ onePrimary = false } = {}) => {
    // Each node on its own (a Cluster's KEYS answers for one node, and DEL cannot span slots).
    const nodes = connectNodes(scope.env.REDIS_URL as string, { name: 'test' });
    const keys = new RedisKeys(scope.env.REDIS_KEY_PREFIX);
    try {
      let held = await Promise.all(nodes.map(async (node) => ({ node, keys: await node.keys(keys.pattern()) })));
      if (onePrimary) {
        held = held.filter((h) => !h.keys.includes(keys.aggregatorEpoch())).sort((a, b) => b.keys.length - a.keys.length).slice(0, 1);
        expect(held[0]?.keys).toContainEqual(expect.stringMatching(/:meta$/));
      }
      for (const { node, keys: names } of held) for (const key of names) await node.del(key);
      expect(held.reduce((n, h) => n + h.keys.length, 0)).toBeGreaterThan(onePrimary ? 2 : 10);
    } finally {
      nodes.forEach((node) => node.disconnect());
    }
  };

  it('replays Kafka and ends with the same windows, channels and balance, whether it noticed while running or at start', async () => {
    aggregator = await startAggregator(config());
    const now = Date.now();
    await switches.publisher.publish(switches.topics.account, 'account', [{
      key: rich(), value: { entity: rich(), name: 'Rich', class: null, status: 'active', balance: 100, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: now - 60_000 },
    }]);
    await switches.publisher.publish(switches.topics.payment, 'payment', [{ key: rich(), value: { payment_id: 'p1', customer_id: `${scope.id}-c0`, amount: 10, status: 'completed', source: 'admin', at_ms: now - 30_000 } }]);
    await switches.publisher.publish(switches.topics.callStart, 'call_start', [{ key: rich(), value: { call_id: 'open-1', customer_id: `${scope.id}-c0`, carrier_id: null, start_ms: now - 2_000 } }]);
    for (let round = 0; round < 4; round++) await sendRound(30);
    // customer c0 gets every 6th CDR, and every 4th of those with n % 4 === 0 answered at 0.25: n % 12 === 0.
    const charges = () => Math.ceil(seq / 12) * 0.25;
    await expectRebuilt(110 - charges());

    // Redis loses everything while the aggregator runs: the next batch notices and every partition is replayed.
    let before = await versions();
    await forget();
    await sendRound(12);
    await expectRebuilt(110 - charges());
    await expectNewerVersions(before);

    // And when Redis is lost while no aggregator runs.
    await aggregator.stop();
    before = await versions();
    await forget();
    aggregator = await startAggregator(config());
    await sendRound(12);
    await expectRebuilt(110 - charges());
    await expectNewerVersions(before);

    // On a Cluster, one primary restarted empty loses its entities while the marker, on another one, holds: each
    // primary keeps a copy of it, and the missing copy tells.
    if (scope.env.REDIS_URL?.startsWith('redis-cluster://')) {
      before = await versions();
      await forget({ onePrimary: true });
      await sendRound(12);
      await expectRebuilt(110 - charges());
      await expectNewerVersions(before);

      // And while no aggregator runs.
      await aggregator.stop();
      before = await versions();
      await forget({ onePrimary: true });
      aggregator = await startAggregator(config());
      await sendRound(12);
      await expectRebuilt(110 - charges());
      await expectNewerVersions(before);
    }
  });
});
