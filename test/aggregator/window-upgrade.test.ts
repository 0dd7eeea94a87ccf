import { randomUUID } from 'node:crypto';
import { RedisKeys, WindowStore, createRedis, type Redis } from '@callwatch/redis';
import { preAggregate } from '@callwatch/windows';
import { cdr } from '../support/cdrs';

// Windows written by the version that listed a window's buckets with data as `_b` (a JSON list) must slide
// correctly after an upgrade to the mask (`_m`): an aggregator restarted on a new version meets the old state.
describe('window state written by an older aggregator', () => {
  let redis: Redis;
  let keys: RedisKeys;

  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL as string, { name: 'test' });
    keys = new RedisKeys(`t-window-upgrade-${randomUUID().slice(0, 8)}:`);
  });

  afterAll(async () => {
    const stale = await redis.keys(keys.pattern());
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
  });

  it('slides a window whose buckets were listed in `_b`, subtracting the buckets that leave it', async () => {
    const entity = 'customer:legacy';
    const periodMs = 60_000; // 1 s buckets
    const first = Math.floor(Date.now() / 1_000) - 120;
    // Old state: window [first, first + 59]; bucket first + 10 holds 2 attempts (1 answered), first + 20 holds 1.
    await redis.hset(keys.entityMeta(entity), { epoch: 'e1', clock: (first + 59) * 1_000, wclock: (first + 59) * 1_000, 'off:legacy/0': 5 });
    await redis.hset(keys.entityWindows(entity), {
      [`${periodMs}:tot`]: JSON.stringify({ a: 3, n: 1, x: 3, _first: first, _b: [first + 10, first + 20] }),
      [`${periodMs}:${first + 10}`]: JSON.stringify({ a: 2, n: 1, x: 2 }),
      [`${periodMs}:${first + 20}`]: JSON.stringify({ a: 1, x: 1 }),
    });
    const store = new WindowStore(redis, keys, { periodsMs: [periodMs], idRetentionMs: 3_600_000, maxCallMs: 3_600_000 });

    // A CDR ending in bucket first + 75: the window becomes [first + 16, first + 75], so bucket first + 10 leaves.
    const call = cdr('legacy', false, (first + 75) * 1_000 + 500, { cdr_id: 'new-1', carrier_id: null });
    const deltas = preAggregate([{ offset: 6, event: { type: 'cdr', ...call } }], { side: 'customer', periodsMs: [periodMs], latenessMs: 300_000, positions: new Map() });
    const [metrics] = await store.apply('legacy/0', [...deltas.values()], 'e1');
    expect(metrics?.windows.map((w) => [w.attempts, w.answered])).toEqual([[2, 0]]);
    // The oldest bucket left with data (first + 20) leaves at the end of bucket first + 80.
    expect(metrics?.dueMs).toBe((first + 20 + 60) * 1_000);

    const stored = JSON.parse((await redis.hget(keys.entityWindows(entity), `${periodMs}:tot`)) as string) as Record<string, unknown>;
    expect(stored).toMatchObject({ a: 2, _first: first + 16 });
    expect(stored._b).toBeUndefined();
    expect(await redis.hexists(keys.entityWindows(entity), `${periodMs}:${first + 10}`)).toBe(0);
  });
});
