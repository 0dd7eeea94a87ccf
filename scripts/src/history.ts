import { CallwatchError, loadConfig, parseDuration, parseEntity } from '@callwatch/core';
import { CLICKHOUSE_ENV, openHistory, type HistoryReader } from '@callwatch/clickhouse';

/**
 * withHistory opens the history the environment points at (a ClickHouse server, the recorder that owns the embedded
 * data, or the embedded folder when no recorder runs), runs `fn`, and closes it.
 */
export async function withHistory<T>(env: NodeJS.ProcessEnv, fn: (history: HistoryReader) => Promise<T>): Promise<T> {
  const history = await openHistory(loadConfig(CLICKHOUSE_ENV, env));
  try {
    return await fn(history);
  } finally {
    await history.close();
  }
}

/** entityFlag checks an `--entity` value (customer:<id> or carrier:<id>) of a history command. */
export function entityFlag(entity: string): string {
  try {
    parseEntity(entity);
  } catch (err) {
    throw new CallwatchError('CW_ERR_CLI_USAGE', `--entity: ${(err as Error).message}`, { cause: err });
  }
  return entity;
}

/** TimeRange is a half-open interval of epoch milliseconds, [from, to). */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/**
 * parseTime reads a point in time as the CLI accepts it: an ISO date or date-time (UTC unless it says otherwise),
 * epoch milliseconds, `now`, or a duration ago (`7d`, `36h`, `90m`).
 */
export function parseTime(text: string, now: number, flag: string): number {
  const t = text.trim();
  if (t === 'now') return now;
  if (/^\d{12,}$/.test(t)) return Number(t);
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(t)) return now - parseDuration(t);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t.replace(' ', 'T')}Z` : t;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new CallwatchError('CW_ERR_CLI_USAGE', `${flag}: expected a date (2026-11-01, 2026-11-01T14:00), epoch milliseconds, "now" or a duration ago (7d, 36h), got "${text}"`);
  return ms;
}

/**
 * timeRange reads `--since` (a duration or time: the range runs from it to now) or `--from`/`--to`; `defaultSince`
 * applies when neither is given. A range that ends before it starts is refused.
 */
export function timeRange(flags: { since?: string; from?: string; to?: string }, now: number, defaultSince = '7d'): TimeRange {
  if (flags.since !== undefined && (flags.from !== undefined || flags.to !== undefined)) {
    throw new CallwatchError('CW_ERR_CLI_USAGE', '--since cannot go with --from/--to: give one or the other');
  }
  const fromMs = parseTime(flags.since ?? flags.from ?? defaultSince, now, flags.since !== undefined ? '--since' : '--from');
  const toMs = flags.to === undefined ? now : parseTime(flags.to, now, '--to');
  if (toMs <= fromMs) throw new CallwatchError('CW_ERR_CLI_USAGE', `the range ends (${new Date(toMs).toISOString()}) before it starts (${new Date(fromMs).toISOString()})`);
  return { fromMs, toMs };
}
