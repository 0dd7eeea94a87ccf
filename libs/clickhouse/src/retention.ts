import type { ClickHouseClient } from './client';

/** RETENTION_TABLES names each table with a TTL, the expression its rows age by, and its default retention in days. */
export const RETENTION_TABLES = {
  cdrs: { column: 'toDateTime(end_ms)', days: 90 },
  call_starts: { column: 'toDateTime(start_ms)', days: 90 },
  payments: { column: 'toDateTime(at_ms)', days: 730 },
  accounts: { column: 'toDateTime(at_ms)', days: 730 },
  alerts: { column: 'toDateTime(at_ms)', days: 730 },
  actions: { column: 'toDateTime(at_ms)', days: 730 },
  notifications: { column: 'toDateTime(at_ms)', days: 730 },
  config_changes: { column: 'toDateTime(at_ms)', days: 1825 },
  cdr_hourly: { column: 'hour', days: 730 },
  cdr_seconds: { column: 'second', days: 730 },
  cdr_daily: { column: 'day', days: 1825 },
} as const;

export type RetentionTable = keyof typeof RETENTION_TABLES;

/** Retention is how many days each table keeps its rows (0 keeps them for ever). */
export type Retention = Partial<Record<RetentionTable, number>>;

/** currentTtlDays reads the retention a table has now, from its engine definition; null when it has no TTL. */
function ttlDays(engineFull: string): number | null {
  const match = /TTL .*toIntervalDay\((\d+)\)/.exec(engineFull);
  return match ? Number(match[1]) : null;
}

/**
 * applyRetention gives each table the configured retention, changing only tables whose TTL differs (MODIFY TTL
 * rewrites nothing at once: expired rows go at the next merge). Returns the tables it changed.
 */
export async function applyRetention(client: ClickHouseClient, retention: Retention): Promise<Array<{ table: RetentionTable; from: number | null; to: number }>> {
  const result = await client.query({ query: 'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase()', format: 'JSONEachRow' });
  const engines = new Map((await result.json<{ name: string; engine_full: string }>()).map((r) => [r.name, r.engine_full]));
  const changed: Array<{ table: RetentionTable; from: number | null; to: number }> = [];
  for (const [table, days] of Object.entries(retention) as Array<[RetentionTable, number]>) {
    const engine = engines.get(table);
    if (engine === undefined) continue;
    const from = ttlDays(engine);
    if (from === (days === 0 ? null : days)) continue;
    const { column } = RETENTION_TABLES[table];
    await client.command({ query: days === 0 ? `ALTER TABLE ${table} REMOVE TTL` : `ALTER TABLE ${table} MODIFY TTL ${column} + toIntervalDay(${days})` });
    changed.push({ table, from, to: days });
  }
  return changed;
}
