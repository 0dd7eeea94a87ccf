import { COMMON_ENV, env, parseDuration, parsers } from '@callwatch/core';
import { CLICKHOUSE_ENV, RETENTION_TABLES, type Retention, type RetentionTable } from '@callwatch/clickhouse';

/**
 * parseRetention reads `table=duration` pairs (`cdrs=90d,alerts=730d`; `0` keeps rows for ever); a table not named
 * keeps its migration's default.
 */
export function parseRetention(raw: string): Retention {
  const retention: Retention = {};
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [table, value] = entry.split('=').map((s) => s.trim());
    if (!table || value === undefined || !(table in RETENTION_TABLES)) {
      throw new Error(`expected table=duration pairs with tables among ${Object.keys(RETENTION_TABLES).join(', ')}, got "${entry}"`);
    }
    const days = value === '0' ? 0 : parseDuration(value) / 86_400_000;
    if (!Number.isInteger(days) || days < 0) throw new Error(`${table}: expected a whole number of days (90d) or 0, got "${value}"`);
    retention[table as RetentionTable] = days;
  }
  return retention;
}

/** RECORDER_ENV is the recorder's configuration, read once at start. */
export const RECORDER_ENV = {
  ...COMMON_ENV,
  ...CLICKHOUSE_ENV,
  RECORDER_GROUP_ID: env(parsers.string, 'Kafka consumer group of the recorders', 'callwatch-recorder'),
  RECORDER_BATCH_MS: env(parsers.durationMs, 'the longest a fetch waits for RECORDER_BATCH_BYTES before the recorder writes what it has', 1_000),
  RECORDER_BATCH_BYTES: env(parsers.bytes, 'how many bytes a fetch waits for (up to RECORDER_BATCH_MS): fewer, larger inserts', 1024 * 1024),
  RECORDER_MAX_BATCH_BYTES: env(parsers.bytes, 'the most bytes of one partition in one batch (one insert)', 8 * 1024 * 1024),
  RECORDER_CONCURRENCY: env(parsers.positiveInt, 'how many partitions\' batches are written to ClickHouse at once', 2),
  RECORDER_RETENTION: env(parseRetention, 'days each table keeps, as table=duration pairs (cdrs=90d,alerts=730d; 0 = for ever), set at start; a table not named keeps the retention it has (at first its migration\'s default; docs/history.md)', {}),
};
