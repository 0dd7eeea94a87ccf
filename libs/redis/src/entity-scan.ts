import type { Redis } from './client';
import type { RedisKeys } from './keys';

/**
 * scanEntities lists the entities that have a key of one kind (`meta`: windows the aggregator keeps; `alerts`: states
 * the evaluator keeps), by SCAN on every primary of a Cluster, or on the one Redis. It walks the whole key space, so it
 * is for a start-up or a command, never a request path.
 */
export async function scanEntities(redis: Redis, keys: RedisKeys, kind: 'meta' | 'alerts'): Promise<string[]> {
  // A Cluster client learns its primaries once connected.
  await redis.exists(keys.penaltyIndex());
  const nodes = 'nodes' in redis && typeof redis.nodes === 'function' ? (redis.nodes as (role: string) => Redis[])('master') : [redis];
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', keys.entityKeyPattern(kind), 'COUNT', 1_000);
      cursor = next;
      for (const key of batch) {
        const entity = keys.entityOfKey(key);
        if (entity !== null) found.add(entity);
      }
    } while (cursor !== '0');
  }
  return [...found].sort();
}
