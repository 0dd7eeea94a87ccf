import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../support/ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { CLICKHOUSE_ENV, openHistory, recorderReader, type HistoryReader } from '@callwatch/clickhouse';
import { connect, type Connection } from '@callwatch/kafka';
import { RECORDER_ENV } from '@callwatch/recorder';
import type { Cdr } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

const main = join(__dirname, '..', '..', 'services', 'recorder', 'dist', 'main.js');
const CUSTOMERS = 40;
const CDRS = 12_000;
const TOKEN = 'recorder-test-token-0123456789';

// A real recorder process, embedded ClickHouse in a temporary folder, records what was published to Kafka. It is
// killed with SIGKILL while it writes (three times), and its consumer group is then rewound to the start of every
// topic: ClickHouse holds each CDR once, and the hourly rollups count each once, for customers and carriers.
describe('recorder', () => {
  let scope: TestScope;
  let producer: Connection;
  let dir: string;
  let port: number;
  let child: ChildProcess | undefined;
  let history: HistoryReader;
  let env: NodeJS.ProcessEnv;

  // Each run logs to a file of its own, so the runs after a kill can be read (and are, below).
  let runs = 0;
  const start = (): ChildProcess => {
    const out = openSync(join(dir, `recorder-${++runs}.log`), 'w');
    return spawn(process.execPath, [main], { env, stdio: ['ignore', out, out] });
  };
  const logged = (text: string): number => Array.from({ length: runs }, (_, i) => readFileSync(join(dir, `recorder-${i + 1}.log`), 'utf8').split(text).length - 1).reduce((a, b) => a + b, 0);
  const kill = async (): Promise<void> => {
    const instance = child;
    child = undefined;
    if (!instance || instance.exitCode !== null || instance.signalCode !== null) return;
    const exited = new Promise((r) => instance.once('exit', r));
    instance.kill('SIGKILL');
    await exited;
  };
  const count = async (query: string): Promise<number> => Number((await history.rows<{ n: string }>(query))[0]?.n ?? 0);
  const running = () => eventually(async () => expect(await count('SELECT count() AS n FROM schema_migrations')).toBeGreaterThan(0), { timeoutMs: 60_000 });

  beforeAll(async () => {
    scope = await testScope('recorder');
    dir = mkdtempSync(join(tmpdir(), 'callwatch-recorder-'));
    port = await freePort();
    env = {
      ...scope.env,
      CLICKHOUSE_PATH: dir,
      METRICS_PORT: String(port),
      RECORDER_URL: `http://127.0.0.1:${port}`,
      // /query wants it even on loopback once it is set; the CLI's openHistory below sends it from the same setting.
      API_TOKEN: TOKEN,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      // Small batches: hundreds of inserts, so the kills land while it writes.
      RECORDER_BATCH_BYTES: '1',
      RECORDER_MAX_BATCH_BYTES: '8KiB',
      LOG_LEVEL: 'info',
    };
    producer = await connect(loadConfig(RECORDER_ENV, env), `${scope.id}-switch`, ['cdr', 'alert', 'rule']);
    history = recorderReader(`http://127.0.0.1:${port}`, { token: TOKEN });
  });

  afterAll(async () => {
    await kill();
    await producer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records every CDR once through SIGKILLs mid-write and a rewind of its group, rollups included', async () => {
    const base = Date.UTC(2026, 10, 30, 23, 30); // half an hour before a month ends
    const published: Cdr[] = Array.from({ length: CDRS }, (_, i) => cdr(`c${i % CUSTOMERS}`, i % 3 !== 0, base + i * 300, { carrier_id: `k${i % 4}` }));
    await producer.publisher.publish(scope.topics.cdr, 'cdr', published.map((value) => ({ key: value.customer_id, value })));

    child = start();
    for (let kills = 0; kills < 3; kills++) {
      await running();
      // Wait until it is part-way through, then kill it.
      const target = ((kills + 1) * CDRS) / 5;
      await eventually(async () => expect(await count('SELECT count() AS n FROM cdrs')).toBeGreaterThan(target), { timeoutMs: 90_000, intervalMs: 50 });
      await kill();
      child = start();
    }
    await running();
    await eventually(async () => expect(await count('SELECT count() AS n FROM cdrs')).toBe(CDRS), { timeoutMs: 120_000, intervalMs: 500 });
    // Rewind the group to the start of every topic (with no member in it), as an operator's reset would.
    await kill();
    const admin = scope.kafka.admin();
    await admin.connect();
    await eventually(async () => expect((await admin.describeGroups([env.RECORDER_GROUP_ID as string])).groups[0]?.state).toBe('Empty'), { timeoutMs: 30_000 });
    await admin.resetOffsets({ groupId: env.RECORDER_GROUP_ID as string, topic: scope.topics.cdr, earliest: true });
    await admin.disconnect();
    child = start();
    await running();
    // A marker CDR after the rewind: once it is recorded, everything before it was read again.
    const marker = cdr('marker', true, base + CDRS * 300);
    await producer.publisher.publish(scope.topics.cdr, 'cdr', [{ key: 'marker', value: marker }]);
    await eventually(async () => expect(await count(`SELECT count() AS n FROM cdrs WHERE customer_id = 'marker'`)).toBe(1), { timeoutMs: 60_000, intervalMs: 500 });

    expect(await count('SELECT count() AS n FROM cdrs')).toBe(CDRS + 1);
    // The kills landed between logging a range and committing it: the restarted recorder wrote such ranges again.
    expect(logged('writing a logged range again')).toBeGreaterThan(0);
    expect(logged('skipped messages recorded before (a rewind)')).toBeGreaterThan(0);
    expect(await count('SELECT uniqExact(cdr_id) AS n FROM cdrs')).toBe(CDRS + 1);
    const rollup = await history.rows<{ kind: string; attempts: string; answered: string; hours: string }>(
      `SELECT splitByChar(':', entity)[1] AS kind, sum(attempts) AS attempts, sum(answered) AS answered, uniqExact(hour) AS hours
       FROM cdr_hourly WHERE entity != 'customer:marker' AND entity NOT LIKE 'carrier:carrier-%' GROUP BY kind ORDER BY kind`,
    );
    const answered = published.filter((c) => c.answer_ms !== null).length;
    expect(rollup.map((r) => [r.kind, Number(r.attempts), Number(r.answered)])).toEqual([['carrier', CDRS, answered], ['customer', CDRS, answered]]);
    // The traffic crosses the end of November: the daily rollup has both days, and each day's CDRs once.
    const days = await history.rows<{ day: string; attempts: string }>(`SELECT toString(day) AS day, sum(attempts) AS attempts FROM cdr_daily WHERE entity LIKE 'customer:c%' GROUP BY day ORDER BY day`);
    const endOfNovember = published.filter((c) => c.end_ms < Date.UTC(2026, 11, 1)).length;
    expect(days.map((d) => [d.day, Number(d.attempts)])).toEqual([['2026-11-30', endOfNovember], ['2026-12-01', CDRS - endOfNovember]]);
    // Each recorded row names the message it came from, and no message was recorded twice.
    expect(await count('SELECT count() AS n FROM (SELECT src_partition, src_offset FROM cdrs GROUP BY src_partition, src_offset HAVING count() > 1)')).toBe(0);
  });

  it('records alerts and configuration changes, dead-letters what it cannot record, and serves read-only queries', async () => {
    child ??= start();
    await running();
    const at = Date.now();
    await producer.publisher.publish(scope.topics.alert, 'alert', [{
      key: 'customer:acme',
      value: {
        event_id: `evt-${scope.id}`, type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 12.5, threshold: 30,
        reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 900_000, at_ms: at, first_fired_at_ms: at, test: false,
      },
    }]);
    await producer.publisher.publishRaw(scope.topics.rule, [{ key: 'gone', value: null, headers: { 'applied-by': 'alice', 'applied-at-ms': String(at) } }]);
    // A CDR that ends before it starts, and bytes that are not the Confluent wire format.
    await producer.publisher.publish(scope.topics.cdr, 'cdr', [{ key: 'bad', value: cdr('bad', true, at, { start_ms: at + 60_000 }) }]);
    await producer.publisher.publishRaw(scope.topics.cdr, [{ key: 'junk', value: Buffer.from('not avro') }]);

    await eventually(async () => {
      // toString: a server quotes 64-bit integers in JSON, the embedded engine does not.
      expect(await history.rows(`SELECT entity, type, value, toString(toUnixTimestamp64Milli(at_ms)) AS at FROM alerts`)).toEqual([{ entity: 'customer:acme', type: 'fired', value: 12.5, at: String(at) }]);
      expect(await history.rows(`SELECT kind, id, change, applied_by FROM config_changes`)).toEqual([{ kind: 'rule', id: 'gone', change: 'delete', applied_by: 'alice' }]);
    }, { timeoutMs: 30_000 });
    const dead = await collect(scope, `${scope.env.TOPIC_PREFIX}callwatch.recorder.dlq`, 'raw', (m) => m.length >= 2);
    // The two keys may land on different partitions: their dead letters come in either order.
    const byKey = (key: string) => dead.find((d) => d.key === key);
    expect(dead.map((d) => [d.key, d.headers['callwatch-dlq-code']]).sort()).toEqual([['bad', 'CW_ERR_INVALID_EVENT'], ['junk', 'CW_ERR_DECODE']]);
    expect(byKey('bad')?.headers['callwatch-dlq-reason']).toMatch(/^cdr: .*end_ms/);
    expect(await count(`SELECT count() AS n FROM cdrs WHERE customer_id IN ('bad', 'junk')`)).toBe(0);

    // The CLI finds the history through the running recorder, and nothing can write through it.
    const cli = await openHistory(loadConfig(CLICKHOUSE_ENV, env));
    expect(cli.source).toBe(`the recorder at http://127.0.0.1:${port}`);
    expect(await cli.rows('SELECT toString(count()) AS n FROM alerts')).toEqual([{ n: '1' }]);
    await expect(cli.rows('DROP TABLE cdrs')).rejects.toThrow(/readonly/i);
    await expect(cli.rows('INSERT INTO alerts (event_id) VALUES (1)')).rejects.toThrow(/readonly/i);
    // Without the token the recorder reads no query at all.
    const anonymous = await fetch(`http://127.0.0.1:${port}/query`, { method: 'POST', body: JSON.stringify({ query: 'SELECT 1' }) });
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="callwatch"']);
    await expect(recorderReader(`http://127.0.0.1:${port}`).rows('SELECT 1')).rejects.toThrow(/wants an API token/);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/callwatch_recorder_rows_total\{table="cdrs"[^}]*\} \d+/);
    expect(metrics).toMatch(/callwatch_recorder_insert_seconds_count\{[^}]*table="alerts"[^}]*\} [1-9]/);
  });
});
