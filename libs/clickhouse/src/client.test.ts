import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, type ClickHouseClient } from './client';

// Embedded ClickHouse (chdb) is an in-process engine, so this unit test runs the real thing with no server.
describe('embedded ClickHouse', () => {
  let dir: string;
  let client: ClickHouseClient;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-chdb-'));
    client = createClickHouse({ url: undefined, path: dir });
  });

  afterAll(async () => {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a MergeTree table, inserts alert history and aggregates it with query parameters', async () => {
    await client.command({
      query: `CREATE TABLE alert_history (at DateTime64(3, 'UTC'), rule_id String, entity String, type LowCardinality(String), value Nullable(Float64))
              ENGINE = MergeTree ORDER BY (entity, at)`,
    });
    await client.insert({
      table: 'alert_history',
      format: 'JSONEachRow',
      values: [
        { at: '2026-11-23 00:00:00.000', rule_id: 'low-asr', entity: 'customer:acme', type: 'fired', value: 20 },
        { at: '2026-11-23 00:05:00.000', rule_id: 'low-asr', entity: 'customer:acme', type: 'reset', value: 68 },
        { at: '2026-11-23 00:06:00.000', rule_id: 'low-asr', entity: 'customer:beta', type: 'fired', value: 12.5 },
      ],
    });
    const result = await client.query({
      query: 'SELECT entity, toUInt32(count()) AS fired, min(value) AS worst FROM alert_history WHERE type = {type:String} GROUP BY entity ORDER BY entity',
      query_params: { type: 'fired' },
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([
      { entity: 'customer:acme', fired: 1, worst: 20 },
      { entity: 'customer:beta', fired: 1, worst: 12.5 },
    ]);
  });
});
