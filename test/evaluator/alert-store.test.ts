import { randomUUID } from 'node:crypto';
import { loadConfig } from '@callwatch/core';
import { EVALUATOR_ENV } from '@callwatch/evaluator';
import { AlertStore, RedisKeys, createRedis, type Redis } from '@callwatch/redis';
import type { AlertState } from '@callwatch/rules';

const state = (status: AlertState['status'], since: number): AlertState => ({ status, since_ms: since, first_fired_at_ms: status === 'firing' ? since : null, last_notified_ms: null, value: 1 });
const one = (entity: string, ruleId: string, s: AlertState) => new Map([[entity, new Map([[ruleId, s]])]]);

describe('AlertStore against Redis', () => {
  let redis: Redis;
  let keys: RedisKeys;

  beforeAll(() => {
    redis = createRedis(loadConfig(EVALUATOR_ENV).REDIS_URL, { name: 'alert-store-test' });
  });
  beforeEach(() => {
    keys = new RedisKeys(`t-alert-store-${randomUUID().slice(0, 8)}:`);
  });
  afterAll(() => redis.disconnect());

  it('reads back what it saved, one hash per entity, and nothing for an entity without states', async () => {
    const store = new AlertStore(redis, keys);
    await store.save(new Map([['customer:a', new Map([['r1', state('firing', 10)], ['r2', state('ok', 5)]])], ['customer:b', new Map()]]));
    const loaded = await store.load(['customer:a', 'customer:b']);
    expect(Object.fromEntries(loaded.get('customer:a')?.states ?? [])).toEqual({ r1: state('firing', 10), r2: state('ok', 5) });
    expect(loaded.get('customer:b')?.states.size).toBe(0);
    expect(await redis.hkeys(keys.alertStates('customer:a'))).toEqual(expect.arrayContaining(['r1', 'r2']));
  });

  it('saves the snapshot an entity was judged on with its states, apart from them, also when no state changed', async () => {
    const store = new AlertStore(redis, keys, 10);
    expect((await store.load(['customer:a'])).get('customer:a')?.applied).toBeNull();
    await store.save(one('customer:a', 'r1', state('ok', 5)), new Map(), new Map([['customer:a', '1:41:0']]));
    await store.save(new Map(), new Map(), new Map([['customer:a', '1:42:7000']]));
    for (const reader of [store, new AlertStore(redis, keys)]) {
      const alerts = (await reader.load(['customer:a'])).get('customer:a');
      expect(alerts?.applied).toBe('1:42:7000');
      expect([...(alerts?.states.keys() ?? [])]).toEqual(['r1']);
    }
  });

  it('deletes the states it is told to remove, in Redis and in what it remembers', async () => {
    const store = new AlertStore(redis, keys, 10);
    await store.load(['customer:a']);
    await store.save(new Map([['customer:a', new Map([['r1', state('firing', 10)], ['r2', state('ok', 5)]])]]));
    await store.save(one('customer:a', 'r3', state('ok', 20)), new Map([['customer:a', ['r1', 'r2']], ['customer:b', []]]));
    expect(await redis.hkeys(keys.alertStates('customer:a'))).toEqual(['r3']);
    expect([...((await store.load(['customer:a'])).get('customer:a')?.states.keys() ?? [])]).toEqual(['r3']);
  });

  it('without a cache, reads Redis every time: a state written by another evaluator is seen', async () => {
    const store = new AlertStore(redis, keys);
    await store.load(['customer:a']);
    await new AlertStore(redis, keys).save(one('customer:a', 'r1', state('firing', 20)));
    expect((await store.load(['customer:a'])).get('customer:a')?.states.get('r1')).toEqual(state('firing', 20));
  });

  it('with a cache, remembers what it read and saved until forget(), and keeps at most cacheEntities entities', async () => {
    const store = new AlertStore(redis, keys, 2);
    await store.load(['customer:a']);
    await store.save(one('customer:a', 'r1', state('firing', 30)));
    // Another writer (which the rebalance protocol rules out while this evaluator owns the entity) is not seen...
    await new AlertStore(redis, keys).save(one('customer:a', 'r1', state('ok', 40)));
    expect((await store.load(['customer:a'])).get('customer:a')?.states.get('r1')).toEqual(state('firing', 30));
    // ...until the evaluator forgets, as it does on every reassignment of partitions.
    store.forget();
    expect((await store.load(['customer:a'])).get('customer:a')?.states.get('r1')).toEqual(state('ok', 40));

    // Remembering a third entity drops the one remembered longest ago (customer:a).
    await store.load(['customer:b', 'customer:c']);
    await new AlertStore(redis, keys).save(one('customer:a', 'r1', state('firing', 50)));
    await new AlertStore(redis, keys).save(one('customer:c', 'r1', state('firing', 50)));
    const again = await store.load(['customer:a', 'customer:c']);
    expect(again.get('customer:a')?.states.get('r1')).toEqual(state('firing', 50));
    expect(again.get('customer:c')?.states.get('r1')).toBeUndefined();
  });

  it('saves the values of states with a deadline apart, puts them back into the states it reads, and drops them on an empty set', async () => {
    const store = new AlertStore(redis, keys, 10);
    await store.load(['customer:a']);
    await store.save(new Map([['customer:a', new Map([['r1', state('firing', 10)], ['r2', state('pending', 5)]])]]));
    await store.save(new Map(), new Map(), new Map(), undefined, new Map([['customer:a', { r1: 12.5, r2: null }]]));
    for (const reader of [store, new AlertStore(redis, keys)]) {
      const alerts = (await reader.load(['customer:a'])).get('customer:a');
      expect([alerts?.states.get('r1')?.value, alerts?.states.get('r2')?.value, [...(alerts?.valued ?? [])]]).toEqual([12.5, null, ['r1', 'r2']]);
    }
    // The state as written is untouched: only the values field moves.
    expect(JSON.parse(await redis.hget(keys.alertStates('customer:a'), 'r1') ?? '{}').value).toBe(1);
    expect((await store.get('customer:a', 'r1'))?.value).toBe(12.5);
    await store.save(new Map(), new Map(), new Map(), undefined, new Map([['customer:a', {}]]));
    expect((await redis.hkeys(keys.alertStates('customer:a'))).sort()).toEqual(['r1', 'r2']);
    expect((await new AlertStore(redis, keys).load(['customer:a'])).get('customer:a')?.valued.size).toBe(0);
  });

  it('indexes deadlines that come sooner before the states and those that go later or away after, with the partition\'s clock', async () => {
    const store = new AlertStore(redis, keys);
    const at = (entity: string, before: number | undefined, after: number | null): [string, number | undefined, number | null] => [entity, before, after];
    await store.save(one('customer:a', 'r1', state('pending', 5)), new Map(), new Map(), { partition: 2, moves: [at('customer:a', undefined, 500), at('customer:b', undefined, 900)], clock: { clockMs: 400, wallMs: 7 } });
    expect(await store.loadDeadlines(2)).toEqual({ deadlines: [['customer:a', 500], ['customer:b', 900]], time: { clockMs: 400, wallMs: 7 } });
    await store.save(new Map(), new Map(), new Map(), { partition: 2, moves: [at('customer:a', 500, null), at('customer:b', 900, 300), at('customer:c', undefined, null)] });
    expect(await store.loadDeadlines(2)).toEqual({ deadlines: [['customer:b', 300]], time: { clockMs: 400, wallMs: 7 } });
    expect(await store.loadDeadlines(3)).toEqual({ deadlines: [], time: { clockMs: null, wallMs: 0 } });
  });
});
