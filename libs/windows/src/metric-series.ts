import { deriveWindow } from './counters';

/** SeriesPoint is one value of a metric at a time; null is no value (no attempts in the step, or nothing known then). */
export interface SeriesPoint {
  atMs: number;
  value: number | null;
}

/** SeriesQuery asks for a metric over [fromMs, toMs], one point per stepMs (a source may round the step to its own grid). */
export interface SeriesQuery {
  fromMs: number;
  toMs: number;
  stepMs: number;
  /** the SIP codes of a `code_ratio` rule */
  codes?: readonly number[];
}

/**
 * MetricSeries is what a source knows of one entity's metric over a query's range. `steps`: each point is the metric
 * over its own step (the calls that ended in it), ending at the point's time; `history`: a gauge's value at each
 * point's time; `current`: a gauge of which no history is kept, only its value now.
 */
export interface MetricSeries {
  kind: 'steps' | 'history' | 'current';
  stepMs: number;
  points: SeriesPoint[];
}

/** MetricHistory is a source of metric series: Redis windows today, ClickHouse history later. */
export interface MetricHistory {
  read(entity: string, area: string, query: SeriesQuery): Promise<MetricSeries>;
}

/** BucketCounters are the counters of one stored bucket, by bucket index (CounterName in counters.ts). */
export type BucketCounters = ReadonlyMap<number, Readonly<Record<string, number>>>;

/** StepsInput is one sample period's buckets as stored, with the buckets that can hold data: firstBucket..lastBucket. */
export interface StepsInput {
  area: string;
  periodMs: number;
  bucketMs: number;
  buckets: BucketCounters;
  /** the window's oldest bucket: older ones have left it and are unknown, not empty */
  firstBucket: number;
  /** the bucket of the window clock: later ones have not happened yet */
  lastBucket: number;
}

/**
 * stepSeries sums the buckets of each step (the query's step rounded to whole buckets, steps aligned to the epoch) and
 * derives the area from the sums, so a step's ASR is answered / attempts of its calls, not a mean of bucket ratios.
 * A step with no bucket inside firstBucket..lastBucket is null.
 */
export function stepSeries(input: StepsInput, query: SeriesQuery): MetricSeries {
  const { area, periodMs, bucketMs, buckets, firstBucket, lastBucket } = input;
  const perStep = Math.max(1, Math.round(query.stepMs / bucketMs));
  const stepMs = perStep * bucketMs;
  const points: SeriesPoint[] = [];
  for (let step = Math.floor(query.fromMs / stepMs); step * stepMs < query.toMs; step++) {
    const sums: Record<string, number> = {};
    let known = false;
    for (let b = step * perStep; b < (step + 1) * perStep; b++) {
      if (b < firstBucket || b > lastBucket) continue;
      known = true;
      for (const [name, amount] of Object.entries(buckets.get(b) ?? {})) sums[name] = (sums[name] ?? 0) + amount;
    }
    points.push({ atMs: Math.min((step + 1) * stepMs, query.toMs), value: known ? areaOf(area, periodMs, sums, query.codes ?? []) : null });
  }
  return { kind: 'steps', stepMs, points };
}

/** peakSeries is `cps` per step: the most calls started in one second of the step, from the counts per second kept. */
export function peakSeries(startsPerSecond: ReadonlyMap<number, number>, knownFromMs: number, knownToMs: number, query: SeriesQuery): MetricSeries {
  const stepMs = Math.max(1000, Math.round(query.stepMs / 1000) * 1000);
  const points: SeriesPoint[] = [];
  for (let step = Math.floor(query.fromMs / stepMs); step * stepMs < query.toMs; step++) {
    const from = Math.max(step * stepMs, knownFromMs);
    const to = Math.min((step + 1) * stepMs, knownToMs + 1);
    let peak: number | null = null;
    for (let second = Math.ceil(from / 1000); second * 1000 < to; second++) peak = Math.max(peak ?? 0, startsPerSecond.get(second) ?? 0);
    points.push({ atMs: Math.min((step + 1) * stepMs, query.toMs), value: peak });
  }
  return { kind: 'steps', stepMs, points };
}

/**
 * balanceSeries rebuilds a balance at each step from its value now and the money movements per second kept after it:
 * the balance at t is the balance now less every movement after t. It is exact from knownFromMs on (no movement
 * after that is missing from `moves`), and no point is given before.
 */
export function balanceSeries(balanceNow: number, nowMs: number, moves: ReadonlyMap<number, number>, knownFromMs: number, query: SeriesQuery): MetricSeries {
  const from = Math.max(query.fromMs, knownFromMs);
  const to = Math.min(query.toMs, nowMs);
  if (from > to) return { kind: 'history', stepMs: query.stepMs, points: [] };
  const times: number[] = [];
  for (let t = Math.ceil(from / query.stepMs) * query.stepMs; t < to; t += query.stepMs) times.push(t);
  if (from < to && times[0] !== from) times.unshift(from);
  times.push(to);
  const seconds = [...moves.keys()].sort((a, b) => b - a);
  const points: SeriesPoint[] = [];
  // Newest first: walk back through the movements once, undoing each as the time passes before it.
  let balance = balanceNow;
  let i = 0;
  for (const t of times.reverse()) {
    while (i < seconds.length && (seconds[i] as number) * 1000 > t) balance -= moves.get(seconds[i++] as number) as number;
    points.push({ atMs: t, value: Math.round(balance * 1e6) / 1e6 });
  }
  return { kind: 'history', stepMs: query.stepMs, points: points.reverse() };
}

function areaOf(area: string, periodMs: number, sums: Record<string, number>, codes: readonly number[]): number | null {
  if (area === 'code_ratio') {
    const attempts = sums.a ?? 0;
    return attempts > 0 ? (codes.reduce((n, code) => n + (sums[`c${code}`] ?? 0), 0) / attempts) * 100 : null;
  }
  const value = (deriveWindow(periodMs, sums) as unknown as Record<string, unknown>)[area];
  return typeof value === 'number' ? value : null;
}
