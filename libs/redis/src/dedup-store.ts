import { createHash } from 'node:crypto';
import type { Redis } from './client';
import type { RedisKeys } from './keys';

/** DeliveryClaim is what claiming a delivery found: it is ours to send, it was sent, or an earlier attempt claimed it and never finished. */
export type DeliveryClaim = 'ours' | 'sent' | 'unfinished';

/**
 * DedupStore makes each (alert event, channel, recipient) delivery happen at most once: a delivery is claimed
 * before it is sent, so a redelivered alert event, or a second notifier during a rebalance, never sends it again.
 */
export interface DedupStore {
  /** claim takes a delivery before it is sent, atomically: only the attempt that gets `ours` may send. */
  claim(key: string): Promise<DeliveryClaim>;
  /** markSent records that a claimed delivery was sent. */
  markSent(key: string): Promise<void>;
  /** release gives a claimed delivery back when nothing was sent (it failed), so a redelivery may try again. */
  release(key: string): Promise<void>;
}

/** DEDUP_TTL_SECONDS bounds how long a delivery is remembered: far longer than any redelivery of an alert event. */
export const DEDUP_TTL_SECONDS = 7 * 24 * 3600;

const SENDING = 'sending';

/**
 * redisDedupStore keeps one key per delivery under the entity's hash tag (so an entity's state stays in one slot):
 * `sending` while claimed, `sent` once sent (older versions wrote `1` for sent).
 */
export function redisDedupStore(redis: Redis, keys: RedisKeys, entity: string): DedupStore {
  const key = (dedupKey: string) => keys.delivered(entity, createHash('sha1').update(dedupKey).digest('hex'));
  return {
    claim: async (dedupKey) => {
      const k = key(dedupKey);
      const replies = (await redis.pipeline().set(k, SENDING, 'EX', DEDUP_TTL_SECONDS, 'NX').get(k).exec()) ?? [];
      for (const [err] of replies) if (err) throw err;
      if (replies[0]?.[1] === 'OK') return 'ours';
      return replies[1]?.[1] === SENDING ? 'unfinished' : 'sent';
    },
    markSent: async (dedupKey) => {
      await redis.set(key(dedupKey), 'sent', 'EX', DEDUP_TTL_SECONDS);
    },
    release: async (dedupKey) => {
      await redis.del(key(dedupKey));
    },
  };
}
