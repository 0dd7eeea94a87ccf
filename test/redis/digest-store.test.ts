import { randomUUID } from 'node:crypto';
import { DigestStore, RedisKeys, createRedis, type Redis } from '@callwatch/redis';

// The digest scripts on a real standalone Redis and on the Redis Cluster: every digest key shares one hash tag.
describe.each([
  ['a standalone Redis', process.env.REDIS_URL as string],
  ['a Redis Cluster', process.env.REDIS_CLUSTER_URL as string],
])('DigestStore on %s', (_, url) => {
  let redis: Redis;
  let store: DigestStore;

  beforeAll(() => {
    redis = createRedis(url, { name: 'test' });
    store = new DigestStore(redis, new RedisKeys(`t-digest-${randomUUID().slice(0, 8)}:`));
  });

  afterAll(() => redis.disconnect());

  it('waits, sends what gathered, then sends later alerts one interval after the last digest', async () => {
    expect(await store.add('g1', '{"key":"k"}', 1_000, 'e1', 'p1', 0)).toBe(true);
    expect(await store.add('g1', '{"key":"k"}', 1_000, 'e2', 'p2', 500)).toBe(true);
    expect(await store.add('g1', '{"key":"k"}', 1_000, 'e1', 'p1', 600)).toBe(false); // redelivered while waiting
    expect(await store.due(999)).toEqual([]);
    expect(await store.due(1_000)).toEqual(['g1']);

    const claim = await store.claim('g1', 1_000, 5_000);
    expect(claim).toEqual({ groupId: 'g1', info: '{"key":"k"}', members: new Map([['e1', 'p1'], ['e2', 'p2']]) });
    expect(await store.claim('g1', 1_001, 5_000)).toBeNull(); // leased
    expect(await store.complete('g1', ['e1', 'e2'], 10_000, 1_100)).toBe(0);
    expect(await store.due(1_000_000)).toEqual([]);

    expect(await store.add('g1', '{"key":"k"}', 1_000, 'e1', 'p1', 2_000)).toBe(false); // redelivered after it was sent
    expect(await store.add('g1', '{"key":"k"}', 1_000, 'e3', 'p3', 2_000)).toBe(true);
    expect(await store.due(11_099)).toEqual([]);
    expect(await store.due(11_100)).toEqual(['g1']); // the interval after the last digest, not the wait
    expect((await store.claim('g1', 11_100, 5_000))?.members).toEqual(new Map([['e3', 'p3']]));
  });

  it('keeps the alerts of a failed flush and makes the group due again after the retry delay', async () => {
    await store.add('g2', '{}', 0, 'e1', 'p1', 0);
    expect((await store.claim('g2', 0, 5_000))?.members.size).toBe(1);
    await store.fail('g2', 2_000, 100);
    expect(await store.due(2_099)).not.toContain('g2');
    expect(await store.due(2_100)).toContain('g2');
    expect((await store.claim('g2', 2_100, 5_000))?.members).toEqual(new Map([['e1', 'p1']]));
  });

  it('lets another flusher take a group whose lease lapsed (its notifier died)', async () => {
    await store.add('g3', '{}', 0, 'e1', 'p1', 0);
    expect(await store.claim('g3', 0, 1_000)).not.toBeNull();
    expect(await store.claim('g3', 999, 1_000)).toBeNull();
    expect((await store.claim('g3', 1_000, 1_000))?.members.size).toBe(1);
  });
});
