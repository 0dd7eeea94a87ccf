import { CallwatchError } from '@callwatch/core';
import type { ClickHouseClient } from './client';
import type { Row } from './rows';

// Settings go into the statement itself (`INSERT … SETTINGS …`, `SELECT … SETTINGS readonly = 1`), never through the
// client's `clickhouse_settings`: the embedded engine applies those as `SET` on its one session, where they stay for
// every later statement (a deduplication token would then drop the next insert, `readonly` would stop all writes).

const quote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** InsertOptions: `token` makes the insert idempotent (ClickHouse drops a second insert with the same token, rollups too). */
export interface InsertOptions {
  token?: string;
}

/** insertRows writes rows as one insert (one block): times as epoch milliseconds, deduplicated through the views. */
export async function insertRows(client: ClickHouseClient, table: string, rows: Row[], { token }: InsertOptions = {}): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new CallwatchError('CW_ERR_CONFIG', `not a table name: ${table}`);
  if (rows.length === 0) return;
  const settings = [
    "date_time_input_format = 'best_effort'",
    'insert_deduplicate = 1',
    'deduplicate_blocks_in_dependent_materialized_views = 1',
    ...(token === undefined ? [] : [`insert_deduplication_token = ${quote(token)}`]),
  ];
  const body = rows.map((row) => JSON.stringify(row)).join('\n');
  await client.command({ query: `INSERT INTO ${table} SETTINGS ${settings.join(', ')} FORMAT JSONEachRow\n${body}` });
}

/**
 * readOnlyQuery makes one SELECT read-only (no writes, no table functions that touch files or the network): it must be
 * a single SELECT (or WITH … SELECT) without a SETTINGS clause of its own.
 */
export function readOnlyQuery(query: string): string {
  const sql = query.trim().replace(/;\s*$/, '');
  if (!/^(select|with)\b/i.test(sql)) throw new CallwatchError('CW_ERR_HISTORY', 'only a SELECT reads the history: the query must start with SELECT or WITH (readonly)');
  if (sql.includes(';')) throw new CallwatchError('CW_ERR_HISTORY', 'one statement at a time: the query has a ";" in it (readonly)');
  if (/\bsettings\b/i.test(sql)) throw new CallwatchError('CW_ERR_HISTORY', 'the query may not carry SETTINGS of its own (readonly)');
  return `${sql}\nSETTINGS readonly = 1`;
}
