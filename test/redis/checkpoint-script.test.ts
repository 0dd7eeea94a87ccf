import { randomUUID } from 'node:crypto';
import { LUA_DIR, createRedis, loadScripts, type Redis } from '@callwatch/redis';

type Checkpoint = (...args: Array<string | Buffer>) => Promise<number>;

// The checkpoint script on the real Redis: the fence, its operations, the ids it stores, and what it refuses.
describe('checkpoint-6.lua', () => {
  let redis: Redis;
  const prefix = `t-ckscript-${randomUUID().slice(0, 8)}:`;
  const keys = ['meta', 'win', 'seen', 'cps', 'open', 'moves'].map((k) => `${prefix}{e}:${k}`);
  const checkpoint = (...args: Array<string | Buffer>) => (redis as unknown as { checkpoint: Checkpoint }).checkpoint(...keys, ...args);

  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL as string, { name: 'test' });
    loadScripts(redis, LUA_DIR);
  });

  afterEach(async () => {
    await redis.del(...keys);
  });

  afterAll(() => redis.disconnect());

  const ops = (...list: Array<[string, number, string[]]>) => JSON.stringify(list);

  it('runs the operations in order, then stores the ids (binary), behind the fence', async () => {
    const id = Buffer.from([0, 0xff, 0x10, 0x0d, 0x0a, 0, 1, 2]);
    const first = ops(['HSET', 1, ['epoch', 'e1', 'ver', '7']], ['HSET', 2, ['60000:1', '{"a":1}', '60000:tot', '{"a":1}']], ['ZADD', 5, ['1000', 'call-1']]);
    expect(await checkpoint('', '', first, '5:7', id)).toBe(1);
    expect(await redis.hgetall(keys[1] as string)).toEqual({ '60000:1': '{"a":1}', '60000:tot': '{"a":1}' });
    expect(await redis.hgetallBuffer(keys[2] as string)).toEqual({ '5:7': id });
    expect(await redis.zrange(keys[4] as string, 0, -1, 'WITHSCORES')).toEqual(['call-1', '1000']);
    // The next write must name the epoch and version this one left; a stale one writes nothing.
    expect(await checkpoint('e1', '6', ops(['HDEL', 2, ['60000:1']]))).toBe(0);
    expect(await redis.hexists(keys[1] as string, '60000:1')).toBe(1);
    expect(await checkpoint('e1', '7', ops(['HDEL', 2, ['60000:1']], ['HSET', 1, ['ver', '8']], ['DEL', 5, []]))).toBe(1);
    expect(await redis.hgetall(keys[1] as string)).toEqual({ '60000:tot': '{"a":1}' });
    expect([await redis.hget(keys[0] as string, 'ver'), await redis.exists(keys[4] as string)]).toEqual(['8', 0]);
  });

  it.each([
    ['operations that are not JSON', '[["HSET", 2'],
    ['a command it does not run', ops(['SET', 2, ['f', 'v']])],
    ['a key number beyond the six', ops(['HSET', 7, ['f', 'v']])],
  ])('refuses %s (-2)', async (_, list) => {
    expect(await checkpoint('', '', ops(['HSET', 1, ['epoch', 'e1']]))).toBe(1);
    expect(await checkpoint('e1', '', list)).toBe(-2);
    expect(await redis.exists(keys[1] as string)).toBe(0);
  });
});
