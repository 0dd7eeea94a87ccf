import { createHash } from 'node:crypto';
import type { Redis } from './client';
import type { RedisKeys } from './keys';
import { LUA_DIR, loadScripts } from './scripts';

/** SentDelivery is what was recorded when a delivery was sent, so a redelivered alert records the same attempt again. */
export interface SentDelivery {
  attempt: number;
  atMs: number;
  messageId: string;
}

/**
 * DeliveryClaim is what claiming a delivery found: it is ours to send; it was sent (with what was recorded, when
 * known); an attempt that died while sending left it, and it is ours to send again (`resend`, at least once) or
 * not (`unfinished`, at most once); or a live attempt holds it until `untilMs`.
 */
export type DeliveryClaim =
  | { kind: 'ours' }
  | { kind: 'sent'; sent: SentDelivery | null }
  | { kind: 'resend' }
  | { kind: 'unfinished' }
  | { kind: 'busy'; untilMs: number };

/** DeliveryPolicy says what happens to a delivery whose sender died after handing it to the channel and before recording it. */
export type DeliveryPolicy = 'at-least-once' | 'at-most-once';

/**
 * DedupStore makes each (alert event, channel, recipient) delivery happen once: a delivery is claimed with a lease
 * before it is sent, so a redelivered alert event, or a second notifier during a rebalance, does not send it again.
 */
export interface DedupStore {
  /** claim takes a delivery before it is sent, atomically: only `ours` and `resend` may send. */
  claim(key: string, nowMs: number): Promise<DeliveryClaim>;
  /** renew extends the lease of a claim this attempt holds (before each retry, which may wait a while). */
  renew(key: string, nowMs: number): Promise<void>;
  /** markSent records that a claimed delivery was sent, and how. */
  markSent(key: string, sent: SentDelivery): Promise<void>;
  /** release gives a claimed delivery back when nothing was sent (it failed), so a redelivery may try again. */
  release(key: string): Promise<void>;
}

/** DEDUP_TTL_SECONDS bounds how long a delivery is remembered: far longer than any redelivery of an alert event. */
export const DEDUP_TTL_SECONDS = 7 * 24 * 3600;

/** DedupOptions set the delivery policy and how long a claim's lease lasts without renewal. */
export interface DedupOptions {
  policy: DeliveryPolicy;
  leaseMs: number;
}

type ClaimReply = [string, string?];

function parseSent(value: string | undefined): SentDelivery | null {
  const parts = value?.split('|') ?? [];
  if (parts[0] !== 'sent' || parts.length < 4) return null;
  return { attempt: Number(parts[1]), atMs: Number(parts[2]), messageId: parts.slice(3).join('|') };
}

/**
 * redisDedupStore keeps one key per delivery under the entity's hash tag (so an entity's state stays in one slot),
 * claimed and judged by claimDelivery-1.lua.
 */
export function redisDedupStore(redis: Redis, keys: RedisKeys, entity: string, { policy, leaseMs }: DedupOptions): DedupStore {
  loadScripts(redis, LUA_DIR);
  const scripts = redis as unknown as { claimDelivery(key: string, ...args: Array<string | number>): Promise<ClaimReply> };
  const key = (dedupKey: string) => keys.delivered(entity, createHash('sha1').update(dedupKey).digest('hex'));
  return {
    claim: async (dedupKey, nowMs) => {
      const [kind, detail] = await scripts.claimDelivery(key(dedupKey), nowMs, leaseMs, DEDUP_TTL_SECONDS, policy === 'at-least-once' ? '1' : '0');
      switch (kind) {
        case 'sent': return { kind, sent: parseSent(detail) };
        case 'busy': return { kind, untilMs: Number(detail) };
        case 'ours': case 'resend': case 'unfinished': return { kind };
        default: throw new Error(`claimDelivery answered ${String(kind)}`);
      }
    },
    renew: async (dedupKey, nowMs) => {
      await redis.set(key(dedupKey), `sending|${nowMs + leaseMs}`, 'EX', DEDUP_TTL_SECONDS, 'XX');
    },
    markSent: async (dedupKey, { attempt, atMs, messageId }) => {
      await redis.set(key(dedupKey), `sent|${attempt}|${atMs}|${messageId}`, 'EX', DEDUP_TTL_SECONDS);
    },
    release: async (dedupKey) => {
      await redis.del(key(dedupKey));
    },
  };
}
