import type { Window } from '@callwatch/schemas';
import { deriveWindow } from './counters';

const TOTAL = /^(\d+):tot$/;

/**
 * readWindows reads an entity's stored windows: the running total of each sample period (`<periodMs>:tot`,
 * JSON counters), as the aggregator's last checkpoint of the entity left them.
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

/** windowOf derives a window from the JSON running totals an entity's checkpoint keeps for one sample period. */
export function windowOf(periodMs: number, totals: string): Window {
  // Fields starting with `_` are the engine's bookkeeping (the window's first bucket, its buckets with data), which
  // deriveWindow never reads.
  return deriveWindow(periodMs, JSON.parse(totals) as Record<string, number>);
}
