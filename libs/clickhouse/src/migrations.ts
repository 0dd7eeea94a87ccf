import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallwatchError } from '@callwatch/core';
import type { ClickHouseClient } from './client';
import { insertRows } from './statements';
import type { HistoryReader } from './reader';

/** MIGRATIONS_DIR holds the versioned SQL files, `NNNN_name.sql`, applied in order and never edited once released. */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

/** Migration is one versioned SQL file: its statements run in order, and its checksum says whether it changed since. */
export interface Migration {
  version: number;
  name: string;
  file: string;
  checksum: string;
  statements: string[];
}

/** MigrationState is one migration as a database has it. */
export interface MigrationState {
  version: number;
  name: string;
  /** applied: recorded with the same checksum · pending: not yet applied · changed: applied, but its file differs since */
  state: 'applied' | 'pending' | 'changed';
  applied_at_ms: number | null;
}

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** splitStatements cuts a SQL file at each `;` that ends a line, dropping `--` comment lines. */
export function splitStatements(sql: string): string[] {
  const lines = sql.split('\n').filter((line) => !line.trim().startsWith('--'));
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    current.push(line);
    if (line.trimEnd().endsWith(';')) {
      statements.push(current.join('\n').trim().replace(/;$/, ''));
      current = [];
    }
  }
  const rest = current.join('\n').trim();
  if (rest) statements.push(rest);
  return statements.filter(Boolean);
}

/** loadMigrations reads the migration files of `dir` in version order. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = MIGRATION_FILE.exec(file);
    if (!match) throw new CallwatchError('CW_ERR_CONFIG', `${join(dir, file)}: a migration file is named NNNN_name.sql (four digits, lower-case name)`);
    const sql = readFileSync(join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2] as string,
      file: join(dir, file),
      checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
      statements: splitStatements(sql),
    });
  }
  const versions = new Set<number>();
  for (const m of migrations) {
    if (versions.has(m.version)) throw new CallwatchError('CW_ERR_CONFIG', `${m.file}: version ${m.version} is used twice`);
    versions.add(m.version);
  }
  return migrations;
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32,
    name String,
    checksum String,
    applied_at_ms DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY version`;

interface LedgerRow {
  version: number;
  name: string;
  checksum: string;
  applied_at_ms: number;
}

const LEDGER_ROWS = 'SELECT version, name, checksum, toUnixTimestamp64Milli(applied_at_ms) AS applied_at_ms FROM schema_migrations ORDER BY version';

type LedgerText = { version: number; name: string; checksum: string; applied_at_ms: string | number };

const ledgerMap = (rows: LedgerText[]): Map<number, LedgerRow> =>
  new Map(rows.map((r) => [Number(r.version), { ...r, version: Number(r.version), applied_at_ms: Number(r.applied_at_ms) }]));

async function ledger(client: ClickHouseClient): Promise<Map<number, LedgerRow>> {
  await client.command({ query: LEDGER });
  const result = await client.query({ query: LEDGER_ROWS, format: 'JSONEachRow' });
  return ledgerMap(await result.json<LedgerText>());
}

/** migrationStatus lists every migration file with whether the database has it. */
export async function migrationStatus(client: ClickHouseClient, migrations = loadMigrations()): Promise<MigrationState[]> {
  return migrationStates(migrations, await ledger(client));
}

/**
 * readMigrationStatus is migrationStatus through a read-only HistoryReader (the recorder's, when it owns the embedded
 * data): it creates nothing, so a database without the ledger has every migration pending.
 */
export async function readMigrationStatus(history: HistoryReader, migrations = loadMigrations()): Promise<MigrationState[]> {
  const ledgers = await history.rows<{ n: string | number }>("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'");
  const rows = Number(ledgers[0]?.n ?? 0) > 0 ? await history.rows<LedgerText>(LEDGER_ROWS) : [];
  return migrationStates(migrations, ledgerMap(rows));
}

function migrationStates(migrations: Migration[], applied: Map<number, LedgerRow>): MigrationState[] {
  return migrations.map((m) => {
    const row = applied.get(m.version);
    return {
      version: m.version,
      name: m.name,
      state: !row ? 'pending' : row.checksum === m.checksum ? 'applied' : 'changed',
      applied_at_ms: row?.applied_at_ms ?? null,
    };
  });
}

/**
 * migrate applies the migrations the database lacks, in order, each recorded in `schema_migrations` once all its
 * statements ran. Every statement is idempotent (IF NOT EXISTS), so a migration cut short by a crash runs again
 * whole. A migration whose file changed after it was applied stops the run: released migrations are never edited.
 */
export async function migrate(
  client: ClickHouseClient,
  { migrations = loadMigrations(), onApplied }: { migrations?: Migration[]; onApplied?: (m: Migration) => void } = {},
): Promise<Migration[]> {
  const states = await migrationStatus(client, migrations);
  const changed = states.filter((s) => s.state === 'changed');
  if (changed.length > 0) {
    throw new CallwatchError(
      'CW_ERR_CONFIG',
      `migration ${changed.map((s) => `${String(s.version).padStart(4, '0')}_${s.name}`).join(', ')} changed after it was applied; add a new migration instead of editing a released one`,
    );
  }
  const pending = migrations.filter((m) => states.find((s) => s.version === m.version)?.state === 'pending');
  for (const m of pending) {
    for (const statement of m.statements) await client.command({ query: statement });
    await insertRows(client, 'schema_migrations', [{ version: m.version, name: m.name, checksum: m.checksum, applied_at_ms: Date.now() }]);
    onApplied?.(m);
  }
  return pending;
}
