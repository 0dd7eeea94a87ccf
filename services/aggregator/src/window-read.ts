import type { Window } from '@callwatch/schemas';
import { deriveWindow } from './counters';
import { bucketSizeMs, windowStartBucket } from './windows';

const FIELD = /^(\d+):(-?\d+):(\w+)$/;

/**
 * readWindows sums an entity's stored buckets (`<periodMs>:<bucket>:<counter>` → amount) into one window per
 * sample period as of `clockMs`, the same sums the aggregator's Lua script returns after each batch.
 */
export function readWindows(fields: Readonly<Record<string, string>>, clockMs: number): Window[] {
  const sums = new Map<number, Record<string, number>>();
  for (const [field, raw] of Object.entries(fields)) {
    const match = FIELD.exec(field);
    if (!match) continue;
    const period = Number(match[1]);
    if (Number(match[2]) < windowStartBucket(clockMs, period)) continue;
    const window = sums.get(period) ?? {};
    const name = match[3] as string;
    window[name] = (window[name] ?? 0) + Number(raw);
    sums.set(period, window);
  }
  return [...sums].sort(([a], [b]) => a - b).filter(([period]) => bucketSizeMs(period) > 0).map(([period, s]) => deriveWindow(period, s));
}
