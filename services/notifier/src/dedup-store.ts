import { createHash } from 'node:crypto';
import type { Redis, RedisKeys } from '@callwatch/redis';
import type { DedupStore } from './deliver';

/** DEDUP_TTL_SECONDS bounds how long a delivery is remembered: far longer than any redelivery of an alert event. */
export const DEDUP_TTL_SECONDS = 7 * 24 * 3600;

/** redisDedupStore remembers deliveries under the entity's hash tag, so an entity's state stays in one slot. */
export function redisDedupStore(redis: Redis, keys: RedisKeys, entity: string): DedupStore {
  const key = (dedupKey: string) => keys.delivered(entity, createHash('sha1').update(dedupKey).digest('hex'));
  return {
    alreadySent: async (dedupKey) => (await redis.exists(key(dedupKey))) === 1,
    markSent: async (dedupKey) => {
      await redis.set(key(dedupKey), '1', 'EX', DEDUP_TTL_SECONDS);
    },
  };
}
