import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickHouseReader, createClickHouse, insertRows, loadMigrations, migrate, migrationStatus, QUERY_PATH } from '@callwatch/clickhouse';
import { dbMigrate, dbStatus, migrationName } from './db';

const NO_RECORDER = 'http://127.0.0.1:1';
const names = loadMigrations().map(migrationName);

describe('callwatch db', () => {
  let root: string;
  let out: string[];
  let errors: string[];
  const options = (path: string, recorder = NO_RECORDER) => ({
    env: { CLICKHOUSE_PATH: path, RECORDER_URL: recorder },
    print: (line: string) => void out.push(line),
    warn: (line: string) => void errors.push(line),
  });

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'callwatch-cli-db-'));
  });
  beforeEach(() => {
    out = [];
    errors = [];
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('migrates an embedded folder once: a second run applies nothing; status then says every one is applied', async () => {
    const path = join(root, 'fresh');
    const before = await dbStatus(options(path));
    expect(before.exitCode).toBe(1);
    expect(out).toEqual([...names.map((n) => expect.stringMatching(new RegExp(`^${n} +pending$`))), `embedded ClickHouse in ${path} (no data yet): ${names.length} pending (callwatch db migrate applies pending ones)`]);
    expect(existsSync(path)).toBe(false); // status only reads

    out = [];
    const first = await dbMigrate(options(path));
    expect(first).toMatchObject({ exitCode: 0, applied: names });
    expect(out).toEqual([...names.map((n) => `applied ${n}`), `embedded ClickHouse in ${path}: ${names.length} migration(s) applied, ${names.length} in all`]);

    out = [];
    const second = await dbMigrate(options(path));
    expect(second).toMatchObject({ exitCode: 0, applied: [] });
    expect(out).toEqual([`embedded ClickHouse in ${path}: nothing to apply, all ${names.length} migrations applied`]);

    out = [];
    const after = await dbStatus(options(path));
    expect(after.exitCode).toBe(0);
    expect(after.states.every((s) => s.state === 'applied' && s.applied_at_ms !== null)).toBe(true);
    expect(out).toEqual([...names.map((n) => expect.stringMatching(new RegExp(`^${n} +applied  \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`))), `embedded ClickHouse in ${path}: all ${names.length} migrations applied`]);
    expect(errors).toEqual([]);
  });

  it('reports a migration edited after it was applied, and migrate refuses to run', async () => {
    const path = join(root, 'edited');
    const client = createClickHouse({ url: undefined, path });
    try {
      await migrationStatus(client); // creates the ledger
      await insertRows(client, 'schema_migrations', [{ version: 1, name: 'events', checksum: 'edited', applied_at_ms: Date.UTC(2026, 0, 2) }]);
    } finally {
      await client.close();
    }
    const status = await dbStatus(options(path));
    expect(status.exitCode).toBe(1);
    expect(out[0]).toMatch(/^0001_events +changed  applied 2026-01-02T00:00:00.000Z; its file was edited since$/);
    expect(out.at(-1)).toBe(`embedded ClickHouse in ${path}: ${names.length - 1} pending, 1 changed (callwatch db migrate applies pending ones; a changed one must be put back as released)`);
    await expect(dbMigrate(options(path))).rejects.toMatchObject({ code: 'CW_ERR_CONFIG', message: expect.stringMatching(/0001_events changed after it was applied/) });
  });

  describe('while a recorder owns the embedded data', () => {
    // A stand-in recorder: the embedded engine in this process, answering read-only queries as the recorder does.
    let server: Server;
    let url: string;
    let close: () => Promise<void>;
    const path = () => join(root, 'recorded');

    beforeAll(async () => {
      const client = createClickHouse({ url: undefined, path: path() });
      const reader = clickHouseReader(client, 'recorder');
      close = () => client.close();
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const { query, params } = JSON.parse(body) as { query: string; params?: Record<string, unknown> };
          reader.rows(query, params).then(
            (rows) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rows })),
            (err: Error) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message })),
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(QUERY_PATH).toBe('/query');
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
      await close();
    });

    it('reads the status through the recorder, and migrate leaves the data to it: exit 1 while migrations wait', async () => {
      const status = await dbStatus(options(path(), url));
      expect(status).toMatchObject({ source: `the recorder at ${url}`, exitCode: 1 });
      expect(out.at(-1)).toBe(`the recorder at ${url}: ${names.length} pending (the recorder applies pending ones at its start)`);

      const result = await dbMigrate(options(path(), url));
      expect(result).toMatchObject({ exitCode: 1, applied: [] });
      expect(errors).toEqual([expect.stringContaining(`the recorder at ${url} owns the embedded data in ${path()} and applies migrations at its start, so this command cannot apply 0001_events (pending)`)]);
    });

    it('exits 0 once the recorder has applied them', async () => {
      const client = createClickHouse({ url: undefined, path: path() }); // a second connection to the folder the recorder holds
      try {
        await migrate(client);
      } finally {
        await client.close();
      }
      expect((await dbStatus(options(path(), url))).exitCode).toBe(0);
      out = [];
      const result = await dbMigrate(options(path(), url));
      expect(result).toMatchObject({ exitCode: 0, applied: [] });
      expect(out).toEqual([`the recorder at ${url} owns the embedded data in ${path()} and applies migrations at its start: all ${names.length} are applied, nothing to do`]);
      expect(errors).toEqual([]);
    });
  });
});
