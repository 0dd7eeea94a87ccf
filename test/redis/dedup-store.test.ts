import { createHash, randomUUID } from 'node:crypto';
import { RedisKeys, createRedis, redisDedupStore, type Redis } from '@callwatch/redis';

// claimDelivery-1.lua on a real Redis: a delivery is claimed with a lease, sent once, and a claim whose lease ran
// out (its notifier died while sending) is taken over at least once, or left at most once.
describe('redisDedupStore', () => {
  let redis: Redis;
  const keys = new RedisKeys(`t-dedup-${randomUUID().slice(0, 8)}:`);
  const entity = 'customer:acme';

  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL as string, { name: 'test' });
  });

  afterAll(() => redis.disconnect());

  it('claims once, answers sent with what was recorded, and gives a released claim back', async () => {
    const store = redisDedupStore(redis, keys, entity, { policy: 'at-least-once', leaseMs: 1_000 });
    expect(await store.claim('a', 0)).toEqual({ kind: 'ours' });
    expect(await store.claim('a', 10)).toEqual({ kind: 'busy', untilMs: 1_000 });
    await store.markSent('a', { attempt: 2, atMs: 5, messageId: 'm|1' });
    expect(await store.claim('a', 5_000)).toEqual({ kind: 'sent', sent: { attempt: 2, atMs: 5, messageId: 'm|1' } });
    expect(await store.claim('b', 0)).toEqual({ kind: 'ours' });
    await store.release('b');
    expect(await store.claim('b', 0)).toEqual({ kind: 'ours' });
  });

  it('takes over a lapsed claim at least once, and leaves it at most once', async () => {
    const atLeast = redisDedupStore(redis, keys, entity, { policy: 'at-least-once', leaseMs: 1_000 });
    const atMost = redisDedupStore(redis, keys, entity, { policy: 'at-most-once', leaseMs: 1_000 });
    await atLeast.claim('c', 0);
    await atMost.claim('d', 0);
    expect(await atMost.claim('d', 1_000)).toEqual({ kind: 'unfinished' });
    expect(await atLeast.claim('c', 1_000)).toEqual({ kind: 'resend' });
    // The takeover holds a fresh lease: a third reader finds it busy.
    expect(await atLeast.claim('c', 1_500)).toEqual({ kind: 'busy', untilMs: 2_000 });
    await atLeast.renew('c', 1_900);
    expect(await atLeast.claim('c', 2_500)).toEqual({ kind: 'busy', untilMs: 2_900 });
  });

  it('reads what older versions wrote: `1` and `sent` as sent, a bare `sending` as a lapsed claim', async () => {
    const store = redisDedupStore(redis, keys, entity, { policy: 'at-least-once', leaseMs: 1_000 });
    const key = (k: string) => keys.delivered(entity, createHash('sha1').update(k).digest('hex'));
    await redis.set(key('old-1'), '1');
    await redis.set(key('old-sent'), 'sent');
    await redis.set(key('old-sending'), 'sending');
    expect(await store.claim('old-1', 0)).toEqual({ kind: 'sent', sent: null });
    expect(await store.claim('old-sent', 0)).toEqual({ kind: 'sent', sent: null });
    expect(await store.claim('old-sending', 0)).toEqual({ kind: 'resend' });
  });
});
