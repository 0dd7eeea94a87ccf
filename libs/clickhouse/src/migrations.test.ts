import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, type ClickHouseClient } from './client';
import { loadMigrations, migrate, migrationStatus, splitStatements } from './migrations';
import { applyRetention } from './retention';

describe('migrations', () => {
  let dir: string;
  let client: ClickHouseClient;
  const tables = async () => (await (await client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name', format: 'JSONEachRow' })).json<{ name: string }>()).map((r) => r.name);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-migrations-'));
    client = createClickHouse({ url: undefined, path: dir });
  });
  afterAll(async () => {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('splits a file at the semicolons that end lines, without comment lines', () => {
    expect(splitStatements('-- a comment; not a statement\nCREATE TABLE a (x String);\n\nCREATE TABLE b\n(\n  y String\n);\n')).toEqual(['CREATE TABLE a (x String)', 'CREATE TABLE b\n(\n  y String\n)']);
  });

  it('applies every migration once: a second run changes nothing', async () => {
    const first = await migrate(client);
    expect(first.map((m) => m.version)).toEqual(loadMigrations().map((m) => m.version));
    const before = await tables();
    expect(before).toEqual(expect.arrayContaining(['cdrs', 'alerts', 'config_changes', 'cdr_hourly', 'cdr_daily', 'cdr_seconds', 'cdr_hourly_mv', 'recorder_batches', 'schema_migrations']));
    expect(await migrate(client)).toEqual([]);
    expect(await tables()).toEqual(before);
    const ledger = await (await client.query({ query: 'SELECT count() AS n FROM schema_migrations', format: 'JSONEachRow' })).json<{ n: string }>();
    expect(Number(ledger[0]?.n)).toBe(first.length);
    expect((await migrationStatus(client)).every((s) => s.state === 'applied')).toBe(true);
  });

  it('refuses to run when an applied migration was edited since', async () => {
    const edited = loadMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
    expect((await migrationStatus(client, edited))[0]?.state).toBe('changed');
    await expect(migrate(client, { migrations: edited })).rejects.toThrow(/0001_events changed after it was applied/);
  });

  it('sets the configured retention on tables whose TTL differs, and only those', async () => {
    expect(await applyRetention(client, { cdrs: 90, alerts: 365 })).toEqual([{ table: 'alerts', from: 730, to: 365 }]);
    const engine = await (await client.query({ query: "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'alerts'", format: 'JSONEachRow' })).json<{ engine_full: string }>();
    expect(engine[0]?.engine_full).toContain('toIntervalDay(365)');
    expect(await applyRetention(client, { alerts: 365 })).toEqual([]);
  });
});
