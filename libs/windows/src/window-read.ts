import type { Redis, RedisKeys } from '@callwatch/redis';
import type { Window } from '@callwatch/schemas';
import { deriveWindow, roundMoney } from './counters';

const TOTAL = /^(\d+):tot$/;

/**
 * readWindows reads an entity's stored windows: the running total of each sample period (`<periodMs>:tot`,
 * JSON counters), as the aggregator's Lua script left them after the entity's last batch.
 */
export function readWindows(fields: Readonly<Record<string, string>>): Window[] {
  const windows: Window[] = [];
  for (const [field, raw] of Object.entries(fields)) {
    const match = TOTAL.exec(field);
    if (!match) continue;
    windows.push(windowOf(Number(match[1]), raw));
  }
  return windows.sort((a, b) => a.sample_period_ms - b.sample_period_ms);
}

/** windowOf derives a window from the JSON running totals the Lua script keeps for one sample period. */
export function windowOf(periodMs: number, totals: string): Window {
  // Fields starting with `_` are the script's bookkeeping (the window's first bucket, its buckets with data), which
  // deriveWindow never reads.
  return deriveWindow(periodMs, JSON.parse(totals) as Record<string, number>);
}

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
  return {
    entity,
    clockMs,
    late: Number(meta.late ?? 0),
    channels: meta.starts === undefined ? null : open,
    expired: Number(meta.expired ?? 0),
    balance: meta.bal_at === undefined ? null : roundMoney(Number(meta.bal_base) + Number(meta.bal_sum ?? 0)),
    version: Number(meta.ver ?? 0),
    windows: clockMs === null ? [] : readWindows(fields),
  };
}
