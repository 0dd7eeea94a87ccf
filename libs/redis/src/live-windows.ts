import type { MetricSnapshot, Window } from '@callwatch/schemas';
import { creditGauges, readWindows, roundMoney } from '@callwatch/windows';
import type { Redis } from './client';
import type { RedisKeys } from './keys';

/** StoredEntity is what Redis holds for one entity: clock, late events, gauges, and one window per sample period. */
export interface StoredEntity {
  entity: string;
  /** its newest event time; null when nothing was counted for it */
  clockMs: number | null;
  late: number;
  /** open calls, when its switches publish call-start events */
  channels: number | null;
  /** calls that never ended and were expired from channels */
  expired: number;
  /** its balance, once an account snapshot arrived */
  balance: number | null;
  /** balance + debit limit, and the share of the limit used, when its newest account snapshot has a limit */
  credit: number | null;
  creditUsed: number | null;
  /** the version of its state (as in its metric snapshots; 0 before the first change) */
  version: number;
  windows: Window[];
}

/** readEntity reads an entity's state from Redis in one round trip, as the aggregator last left it. */
export async function readEntity(redis: Redis, keys: RedisKeys, entity: string): Promise<StoredEntity> {
  const results = (await redis.pipeline().hgetall(keys.entityMeta(entity)).hgetall(keys.entityWindows(entity)).zcard(keys.entityOpenCalls(entity)).exec()) ?? [];
  for (const [err] of results) if (err) throw err;
  const [meta, fields, open] = results.map(([, value]) => value) as [Record<string, string>, Record<string, string>, number];
  // Billing alone moves no clock: an entity with payments but no calls has none.
  const clockMs = meta.clock === undefined || meta.clock === '0' ? null : Number(meta.clock);
  const balance = meta.bal_at === undefined ? null : roundMoney(Number(meta.bal_base) + Number(meta.bal_sum ?? 0));
  return {
    entity,
    clockMs,
    late: Number(meta.late ?? 0),
    channels: meta.starts === undefined ? null : open,
    expired: Number(meta.expired ?? 0),
    balance,
    ...creditGauges(balance, meta.bal_limit === undefined ? null : Number(meta.bal_limit)),
    version: Number(meta.ver ?? 0),
    windows: clockMs === null ? [] : readWindows(fields),
  };
}

// Reads in flight at once: each is one pipelined round trip, so a large scope is read in a few round-trip times.
const CONCURRENT_READS = 500;

/**
 * readLiveSnapshot reads an entity's metrics from Redis as the aggregator last left them (what `callwatch status`
 * shows), as a metric snapshot at the entity's clock, or at `now` when nothing was counted for it yet.
 */
export async function readLiveSnapshot(redis: Redis, keys: RedisKeys, entity: string, now: number): Promise<MetricSnapshot> {
  const { clockMs, windows, channels, balance, credit, creditUsed, late, version } = await readEntity(redis, keys, entity);
  return { entity, at_ms: clockMs ?? now, windows, channels, balance, credit, credit_used: creditUsed, late, version };
}

/** readLiveSnapshots reads many entities' live metrics, a few hundred round trips in flight at a time. */
export async function readLiveSnapshots(redis: Redis, keys: RedisKeys, entities: readonly string[], now: number): Promise<Map<string, MetricSnapshot>> {
  const out = new Map<string, MetricSnapshot>();
  for (let i = 0; i < entities.length; i += CONCURRENT_READS) {
    const chunk = entities.slice(i, i + CONCURRENT_READS);
    const snapshots = await Promise.all(chunk.map((entity) => readLiveSnapshot(redis, keys, entity, now)));
    for (const snapshot of snapshots) out.set(snapshot.entity, snapshot);
  }
  return out;
}
