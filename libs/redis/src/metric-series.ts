import {
  BUCKETS_PER_WINDOW, balanceSeries, bucketSizeMs, creditGauges, peakSeries, roundMoney, stepSeries, type MetricHistory, type MetricSeries, type SeriesQuery,
} from '@callwatch/windows';
import type { Redis } from './client';
import type { RedisKeys } from './keys';

const BUCKET = /^(\d+):(\d+)$/;
const TOTAL = /^(\d+):tot$/;
const NOTHING: MetricSeries = { kind: 'current', stepMs: 0, points: [] };

/**
 * readMetricSeries reads what Redis holds of an entity's metric over a query's range, in one round trip, as the
 * aggregator's Lua script left it:
 * - windowed areas: each step's own value, from the buckets of the shortest sample period kept whose window spans the
 *   range (only that window's buckets exist; earlier steps are null);
 * - `cps`: each step's peak, from the call starts per second kept for the longest window;
 * - `balance` (and `credit`, `credit_used` from it): its history, rebuilt from the money movements per second kept
 *   after the newest account snapshot (the account lateness, an hour by default), then its value now;
 * - `channels`: only its value now (no history of open calls is kept);
 * - anything else (event and script rules): nothing.
 */
export async function readMetricSeries(redis: Redis, keys: RedisKeys, entity: string, area: string, query: SeriesQuery): Promise<MetricSeries> {
  const second = secondRead(redis, keys, entity, area);
  if (!second) return NOTHING;
  const results = (await second(redis.pipeline().hgetall(keys.entityMeta(entity))).exec()) ?? [];
  for (const [err] of results) if (err) throw err;
  const [meta, data] = results.map(([, value]) => value) as [Record<string, string>, unknown];
  // The window clock: no bucket after it holds data yet.
  const clockMs = Math.max(Number(meta.clock ?? 0), Number(meta.wclock ?? 0));
  if (area === 'channels') {
    return meta.starts === undefined || clockMs === 0 ? NOTHING : { kind: 'current', stepMs: 0, points: [{ atMs: clockMs, value: data as number }] };
  }
  if (MONEY_GAUGES.has(area)) {
    if (meta.bal_at === undefined) return NOTHING;
    // Movements folded into one sum (all at or before bal_old_to) can no longer be told apart: no history before them.
    const knownFromMs = Math.max(Number(meta.bal_at), meta.bal_old_to === undefined ? 0 : Number(meta.bal_old_to) * 1000);
    const moves = new Map(Object.entries(data as Record<string, string>).map(([s, amount]) => [Number(s), Number(amount)]));
    const now = roundMoney(Number(meta.bal_base) + Number(meta.bal_sum ?? 0));
    const balance = balanceSeries(now, Math.max(clockMs, Number(meta.bal_at)), moves, knownFromMs, query);
    if (area === 'balance') return balance;
    // The limit is the newest snapshot's, and every point is after that snapshot: credit follows the balance exactly.
    const limit = meta.bal_limit === undefined ? null : Number(meta.bal_limit);
    const gauge = area === 'credit' ? 'credit' : 'creditUsed';
    return { ...balance, points: balance.points.map((p) => ({ atMs: p.atMs, value: creditGauges(p.value, limit)[gauge] })) };
  }
  if (clockMs === 0) return NOTHING;
  if (area === 'cps') {
    const starts = new Map(Object.entries(data as Record<string, string>).map(([s, count]) => [Number(s), Number(count)]));
    return peakSeries(starts, Number(meta.cps_from ?? 0) * 1000, clockMs, query);
  }
  return windowSteps(area, data as Record<string, string>, clockMs, query);
}

/** redisMetricHistory is the MetricHistory of the live windows in Redis. */
export function redisMetricHistory(redis: Redis, keys: RedisKeys): MetricHistory {
  return { read: (entity, area, query) => readMetricSeries(redis, keys, entity, area, query) };
}

type Pipeline = ReturnType<Redis['pipeline']>;

// The area's own key, read in the same round trip as the meta hash.
function secondRead(redis: Redis, keys: RedisKeys, entity: string, area: string): ((p: Pipeline) => Pipeline) | undefined {
  if (area === 'channels') return (p) => p.zcard(keys.entityOpenCalls(entity));
  if (MONEY_GAUGES.has(area)) return (p) => p.hgetall(keys.entityMoves(entity));
  if (area === 'cps') return (p) => p.hgetall(keys.entityStarts(entity));
  if (WINDOWED.has(area)) return (p) => p.hgetall(keys.entityWindows(entity));
  return undefined;
}

const MONEY_GAUGES = new Set(['balance', 'credit', 'credit_used']);
const WINDOWED = new Set(['asr', 'ner', 'acd', 'pdd', 'attempts', 'spend', 'margin', 'sdr', 'code_ratio']);

function windowSteps(area: string, fields: Record<string, string>, clockMs: number, query: SeriesQuery): MetricSeries {
  const periods = Object.keys(fields).flatMap((field) => TOTAL.exec(field)?.slice(1).map(Number) ?? []).sort((a, b) => a - b);
  const span = query.toMs - query.fromMs;
  const periodMs = periods.find((p) => p >= span) ?? periods[periods.length - 1];
  if (periodMs === undefined) return NOTHING;
  const bucketMs = bucketSizeMs(periodMs);
  const total = JSON.parse(fields[`${periodMs}:tot`] as string) as { _first?: number };
  const lastBucket = Math.floor(clockMs / bucketMs);
  const buckets = new Map<number, Record<string, number>>();
  for (const [field, raw] of Object.entries(fields)) {
    const match = BUCKET.exec(field);
    if (match && Number(match[1]) === periodMs) buckets.set(Number(match[2]), JSON.parse(raw) as Record<string, number>);
  }
  // The window at the clock; a total not slid to it yet (an idle entity) holds nothing older.
  const firstBucket = Math.max(total._first ?? 0, lastBucket - BUCKETS_PER_WINDOW + 1);
  return stepSeries({ area, periodMs, bucketMs, buckets, firstBucket, lastBucket }, query);
}
