import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { apiToken, loadConfig, type ConfigOf } from '@callwatch/core';
import {
  CLICKHOUSE_ENV,
  clickHouseReader,
  loadMigrations,
  migrate,
  migrationStatus,
  ensureDatabase,
  openClickHouse,
  readMigrationStatus,
  recorderAnswers,
  recorderReader,
  type HistoryReader,
  type MigrationState,
} from '@callwatch/clickhouse';

/** DbOptions say where the history is (the environment), where to print (stdout, and stderr for problems). */
export interface DbOptions {
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
  warn?: (line: string) => void;
}

/** DbResult is what a `db` command found: the database, each migration's state, what it applied, and its exit status. */
export interface DbResult {
  source: string;
  states: MigrationState[];
  applied: string[];
  exitCode: number;
}

type ClickHouseConfig = ConfigOf<typeof CLICKHOUSE_ENV>;

const stdout = (line: string) => void process.stdout.write(`${line}\n`);
const stderr = (line: string) => void process.stderr.write(`${line}\n`);

/** migrationName is how a migration is named to people: its file name without `.sql`, `0001_events`. */
export const migrationName = (m: { version: number; name: string }) => `${String(m.version).padStart(4, '0')}_${m.name}`;

const where = (config: ClickHouseConfig) => (config.CLICKHOUSE_URL ? `ClickHouse at ${config.CLICKHOUSE_URL}` : `embedded ClickHouse in ${config.CLICKHOUSE_PATH}`);

// With the embedded engine, a running recorder holds the data folder: this process may not open it.
const recorderOwns = async (config: ClickHouseConfig) => !config.CLICKHOUSE_URL && (await recorderAnswers(config.RECORDER_URL, apiToken(config)));
const recorderAt = (config: ClickHouseConfig) => recorderReader(config.RECORDER_URL, { token: apiToken(config) });

const notApplied = (states: MigrationState[]) => states.filter((s) => s.state !== 'applied');

/**
 * dbMigrate applies the pending migrations to the configured ClickHouse, printing each. When a recorder owns the
 * embedded data it applies them at its start instead: this only checks that none is waiting (exit status 1 if one is).
 */
export async function dbMigrate(options: DbOptions = {}): Promise<DbResult> {
  const { env = process.env, print = stdout, warn = stderr } = options;
  const config = loadConfig(CLICKHOUSE_ENV, env);
  if (await recorderOwns(config)) {
    const reader = recorderAt(config);
    const states = await readMigrationStatus(reader);
    const waiting = notApplied(states);
    const owner = `the recorder at ${config.RECORDER_URL} owns the embedded data in ${config.CLICKHOUSE_PATH} and applies migrations at its start`;
    if (waiting.length === 0) {
      print(`${owner}: all ${states.length} are applied, nothing to do`);
      return { source: reader.source, states, applied: [], exitCode: 0 };
    }
    warn(`${owner}, so this command cannot apply ${waiting.map((s) => `${migrationName(s)} (${s.state})`).join(', ')}: restart the recorder to apply pending migrations (a changed one must be put back as released)`);
    return { source: reader.source, states, applied: [], exitCode: 1 };
  }
  await ensureDatabase(config);
  const client = openClickHouse(config);
  try {
    const applied = (await migrate(client, { onApplied: (m) => print(`applied ${migrationName(m)}`) })).map(migrationName);
    const states = await migrationStatus(client);
    print(applied.length === 0 ? `${where(config)}: nothing to apply, all ${states.length} migrations applied` : `${where(config)}: ${applied.length} migration(s) applied, ${states.length} in all`);
    return { source: where(config), states, applied, exitCode: 0 };
  } finally {
    await client.close();
  }
}

// Status only reads: through the recorder when it owns the data, else the server or the folder (when there is one).
async function statusReader(config: ClickHouseConfig): Promise<{ reader: HistoryReader | null; recorder: boolean }> {
  if (await recorderOwns(config)) return { reader: recorderAt(config), recorder: true };
  const exists = Boolean(config.CLICKHOUSE_URL) || existsSync(config.CLICKHOUSE_PATH);
  return { reader: exists ? clickHouseReader(openClickHouse(config), where(config)) : null, recorder: false };
}

/**
 * dbStatus prints each migration as the database has it (`0001_events  applied  2026-…`, `pending`, `changed`),
 * reading only; its exit status is 1 when any is pending or changed, so deploy scripts can check it.
 */
export async function dbStatus(options: DbOptions = {}): Promise<DbResult> {
  const { env = process.env, print = stdout } = options;
  const config = loadConfig(CLICKHOUSE_ENV, env);
  const { reader, recorder } = await statusReader(config);
  let states: MigrationState[];
  if (reader === null) {
    states = loadMigrations().map((m) => ({ version: m.version, name: m.name, state: 'pending', applied_at_ms: null }));
  } else {
    try {
      states = await readMigrationStatus(reader);
    } finally {
      await reader.close();
    }
  }
  const width = Math.max(...states.map((s) => migrationName(s).length));
  for (const s of states) {
    const at = s.applied_at_ms === null ? '' : new Date(s.applied_at_ms).toISOString();
    const detail = s.state === 'applied' ? `  ${at}` : s.state === 'changed' ? `  applied ${at}; its file was edited since` : '';
    print(`${migrationName(s).padEnd(width)}  ${s.state.padEnd(7)}${detail}`);
  }
  const source = reader?.source ?? `${where(config)} (no data yet)`;
  const pending = states.filter((s) => s.state === 'pending').length;
  const changed = states.filter((s) => s.state === 'changed').length;
  if (pending + changed === 0) print(`${source}: all ${states.length} migrations applied`);
  else {
    const apply = recorder ? 'the recorder applies pending ones at its start' : 'callwatch db migrate applies pending ones';
    print(`${source}: ${[pending > 0 ? `${pending} pending` : '', changed > 0 ? `${changed} changed` : ''].filter(Boolean).join(', ')} (${apply}${changed > 0 ? '; a changed one must be put back as released' : ''})`);
  }
  return { source, states, applied: [], exitCode: pending + changed === 0 ? 0 : 1 };
}

/** registerDb adds `callwatch db migrate|status` to the CLI. */
export function registerDb(program: Command): void {
  const db = program
    .command('db')
    .description('the history database (ClickHouse: a server at CLICKHOUSE_URL, or embedded in CLICKHOUSE_PATH): its migrations')
    .addHelpText('after', '\nExample:\n  $ callwatch db status || callwatch db migrate\n');
  db.command('migrate')
    .description('apply the pending migrations and print each; with the embedded engine and a running recorder, the recorder applies them at its start')
    .addHelpText('after', '\nExample:\n  $ CLICKHOUSE_URL=http://clickhouse:8123 callwatch db migrate\n  applied 0003_rollups\n  ClickHouse at http://clickhouse:8123: 1 migration(s) applied, 4 in all\n')
    .action(async () => {
      process.exitCode = (await dbMigrate()).exitCode;
    });
  db.command('status')
    .description('print each migration: applied (when), pending or changed; exit status 1 when any is pending or changed')
    .addHelpText('after', '\nExample:\n  $ callwatch db status || callwatch db migrate\n')
    .action(async () => {
      process.exitCode = (await dbStatus()).exitCode;
    });
}
