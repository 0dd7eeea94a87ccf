import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { COMMON_ENV, loadConfig } from '@callwatch/core';
import { connect } from '@callwatch/kafka';
import { createRedis } from '@callwatch/redis';
import { testScope } from '../support/harness';
import { removeBenchData } from './figures';
import { consumerGroups, growth, heapUsedBytes, perMinute, readGroupOffsets, redisUse, runQueueSeconds, type Sample } from './soak-gauges';

const minute = 60_000;

describe('growth', () => {
  it('compares the sample at the end of warm-up with the last, and fits a slope per minute through those after it', () => {
    const samples: Sample[] = Array.from({ length: 13 }, (_, i) => ({ atMs: i * 10_000, value: 100 + (i >= 6 ? (i - 6) * 5 : 50) }));
    // From 1 minute on: 100, 105, … 130 every 10 s, i.e. 30 a minute; the 150 before the end of warm-up is left out.
    expect(growth(samples, minute)).toEqual({ from: 100, to: 130, perMinute: expect.closeTo(30, 6) });
    expect(growth(samples.map((s) => ({ ...s, value: 200 })), minute)).toEqual({ from: 200, to: 200, perMinute: 0 });
    expect(growth(samples, 10 * minute)).toBeNull();
  });

  it('leaves out samples of a process that was gone (NaN)', () => {
    expect(growth([{ atMs: 0, value: 5 }, { atMs: minute, value: NaN }, { atMs: 2 * minute, value: 7 }], 0)).toEqual({ from: 5, to: 7, perMinute: expect.closeTo(1, 6) });
  });
});

describe('perMinute', () => {
  it('keeps the last sample of each minute, NaN for a minute without one', () => {
    const samples = [0, 10_000, 50_000, 70_000, 190_000].map((atMs, i) => ({ atMs: 1_000 + atMs, value: i }));
    expect(perMinute(samples, 1_000)).toEqual([2, 3, NaN, 4]);
  });
});

describe('process gauges', () => {
  it('reads the heap in use from a service\'s /metrics, labelled as the services label it', async () => {
    const server = createServer((_req, res) => res.end('# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.\nnodejs_heap_size_used_bytes{service="notifier"} 12345678\nnodejs_heap_size_total_bytes{service="notifier"} 99\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expect(await heapUsedBytes((server.address() as AddressInfo).port)).toBe(12_345_678);
    } finally {
      server.close();
    }
    expect(await heapUsedBytes(1)).toBeNaN();
  });

  it('sums the run-queue wait of a process\'s threads, NaN for a process that is gone', () => {
    expect(runQueueSeconds(process.pid)).toBeGreaterThanOrEqual(0);
    expect(runQueueSeconds(2 ** 30)).toBeNaN();
  });
});

describe('readGroupOffsets and redisUse, against the local Kafka and Redis', () => {
  it('sums end offset − committed per service, counting an uncommitted partition from its start', async () => {
    const scope = await testScope('soak-lag');
    const conn = await connect(loadConfig(COMMON_ENV, scope.env), scope.id, []);
    const admin = scope.kafka.admin();
    await admin.connect();
    try {
      const bytes = (count: number, partition: number) => Array.from({ length: count }, (_, i) => ({ partition, key: `k${i}`, value: Buffer.from([i]) }));
      await conn.producer.send({ topic: scope.topics.alert, messages: [...bytes(10, 0), ...bytes(5, 1)] });
      const groups = consumerGroups(`${scope.id}-`, scope.topics).filter((g) => g.service === 'notifier' || g.service === 'enforcer');
      await admin.setOffsets({ groupId: `${scope.id}-notifier`, topic: scope.topics.alert, partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '5' }] });
      // The ends as the broker has them: a send retried on a loaded machine may have written a batch twice.
      const ends = new Map((await admin.fetchTopicOffsets(scope.topics.alert)).map((p) => [p.partition, Number(p.high)]));
      expect(ends.get(0)).toBeGreaterThanOrEqual(10);
      expect(ends.get(1)).toBeGreaterThanOrEqual(5);
      const [end0, end1] = [ends.get(0) as number, ends.get(1) as number];
      const offsets = await readGroupOffsets(admin, groups);
      expect(offsets.map((o) => [o.group.service, o.lag, o.committed.get(scope.topics.alert)])).toEqual([
        ['notifier', end0 - 4 + (end1 - 5), 9],
        ['enforcer', end0 + end1, 0],
      ]);
    } finally {
      await Promise.all([admin.disconnect(), conn.close()]);
      await removeBenchData(scope.kafka, loadConfig(COMMON_ENV, scope.env).REDIS_URL, scope.id);
    }
  });

  it('counts the entities with keys under a prefix, by their hash tags', async () => {
    const scope = await testScope('soak-redis');
    const { REDIS_URL, REDIS_KEY_PREFIX: prefix } = loadConfig(COMMON_ENV, scope.env);
    const redis = createRedis(REDIS_URL, { name: 'soak-test' });
    try {
      for (const key of ['{customer:a}:meta', '{customer:a}:win', '{customer:b}:alerts', '{carrier:c}:meta', '{due:customer:0}:due', 'aggregator:epoch']) await redis.set(`${prefix}${key}`, '1');
      const use = await redisUse(REDIS_URL, prefix);
      expect(use.entities).toBe(3);
      expect(use.usedBytes).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
      await removeBenchData(scope.kafka, REDIS_URL, scope.id);
    }
  });
});
