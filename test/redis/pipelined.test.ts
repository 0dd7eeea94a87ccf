import { randomUUID } from 'node:crypto';
import { createRedis, pipelined, pipelinedInOrder, type PipelinedCommand, type Redis } from '@callwatch/redis';

// On the standalone Redis, and on the Redis Cluster (three primaries) that infra/ also starts.
describe.each([
  ['a standalone Redis', process.env.REDIS_URL as string],
  ['a Redis Cluster', process.env.REDIS_CLUSTER_URL as string],
])('pipelined on %s', (_, url) => {
  let redis: Redis;
  const prefix = `t-pipelined-${randomUUID().slice(0, 8)}:`;
  // Keys of 30 entities: on a Cluster they spread over every node, each node answering in its own pipeline.
  const keys = Array.from({ length: 30 }, (_, i) => `${prefix}{e${i}}:v`);

  beforeAll(() => {
    redis = createRedis(url, { name: 'test' });
  });

  afterAll(async () => {
    await pipelined(redis, keys.map((key): PipelinedCommand => ({ key, queue: (p) => p.del(key) })));
    redis.disconnect();
  });

  it('answers the replies in the commands\' order, whichever node each went to', async () => {
    await pipelined(redis, keys.map((key, i): PipelinedCommand => ({ key, queue: (p) => p.set(key, String(i)) })));
    expect(await pipelined(redis, keys.map((key): PipelinedCommand => ({ key, queue: (p) => p.get(key) })))).toEqual(keys.map((_, i) => String(i)));
  });

  it('throws the first command\'s error, once every pipeline is back', async () => {
    const list = `${prefix}{list}:l`;
    await redis.rpush(list, 'x');
    const late = `${prefix}{e29}:late`;
    const commands: PipelinedCommand[] = [
      { key: list, queue: (p) => p.incr(list) }, // WRONGTYPE: a list is no counter
      ...keys.map((key): PipelinedCommand => ({ key, queue: (p) => p.get(key) })),
      { key: late, queue: (p) => p.set(late, 'written') },
    ];
    await expect(pipelined(redis, commands)).rejects.toThrow(/WRONGTYPE/);
    // The other commands ran: the error did not stop the pipelines of other nodes.
    expect(await redis.get(late)).toBe('written');
    await pipelined(redis, [list, late].map((key): PipelinedCommand => ({ key, queue: (p) => p.del(key) })));
  });

  it('pipelinedInOrder runs no command of a stage before every command of the stages before it ran, whichever node', async () => {
    // Each command busies its node for `ARGV[1]` µs and answers the node's clock when it ends (all nodes share one host).
    const busy = "local function now() local t = redis.call('TIME') return t[1] * 1000000 + t[2] end local s = now() local n = s repeat n = now() until n - s >= tonumber(ARGV[1]) return {n - s, n}";
    const ended: number[][] = [[], []];
    const stage = (i: number, from: number, to: number): PipelinedCommand[] => keys.slice(from, to).map((key) => ({
      key,
      queue: (p) => p.eval(busy, 1, key, i === 0 ? 30_000 : 0, (err, reply) => {
        if (!err) ended[i]?.push(Number((reply as [number, number])[1]));
      }),
    }));
    await pipelinedInOrder(redis, [stage(0, 0, 10), stage(1, 10, 30)]);
    expect([ended[0]?.length, ended[1]?.length]).toEqual([10, 20]);
    expect(Math.min(...(ended[1] as number[]))).toBeGreaterThanOrEqual(Math.max(...(ended[0] as number[])));
  });
});
