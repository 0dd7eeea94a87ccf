import type { Window } from '@callwatch/schemas';
import { deriveWindow } from './counters';

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
    const { _first: _ignored, ...sums } = JSON.parse(raw) as Record<string, number>;
    windows.push(deriveWindow(Number(match[1]), sums));
  }
  return windows.sort((a, b) => a.sample_period_ms - b.sample_period_ms);
}
