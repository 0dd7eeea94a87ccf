/** BUCKETS_PER_WINDOW is the number of buckets in every window (docs/design.md, "Windows": g = P / 60). */
export const BUCKETS_PER_WINDOW = 60;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** bucketSizeMs is the bucket size g of a sample period P (a whole number of minutes, 1 min to 24 h). */
export function bucketSizeMs(periodMs: number): number {
  if (!Number.isInteger(periodMs / MINUTE_MS) || periodMs < MINUTE_MS || periodMs > DAY_MS) {
    throw new Error(`expected a sample period of whole minutes between 1m and 24h, got ${periodMs} ms`);
  }
  return periodMs / BUCKETS_PER_WINDOW;
}

/** bucketIndex is the epoch-aligned bucket that contains time t. */
export function bucketIndex(t: number, periodMs: number): number {
  return Math.floor(t / bucketSizeMs(periodMs));
}

/** windowStartBucket is the oldest bucket of the window at time t: the 60 buckets ending with t's bucket. */
export function windowStartBucket(t: number, periodMs: number): number {
  return bucketIndex(t, periodMs) - BUCKETS_PER_WINDOW + 1;
}

/**
 * keptPeriods lists the sample periods to keep windows for, in order: the configured ones, and every one a rule
 * uses. A rule's period that is not a valid one (whole minutes, 1 min to 24 h) is left out, never kept.
 */
export function keptPeriods(configuredMs: readonly number[], rulePeriodsMs: Iterable<number | null>): number[] {
  const kept = new Set(configuredMs);
  for (const periodMs of rulePeriodsMs) {
    if (periodMs === null || kept.has(periodMs)) continue;
    try {
      bucketSizeMs(periodMs);
      kept.add(periodMs);
    } catch {
      // Rule files are validated before they are applied; a period that is not valid has no window to keep.
    }
  }
  return [...kept].sort((a, b) => a - b);
}
