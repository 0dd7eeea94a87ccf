#!/usr/bin/env node
// `npm run bench:recorder`: what the recorder costs and what its history answers.
// 1. the recorder service (a child process, embedded ClickHouse in a temporary folder) records CDRs that wait for it
//    in Kafka: rows/s and its CPU per CDR, beside the aggregator's documented rate;
// 2. bytes on disk per CDR: du of the folder, and each table's active parts;
// 3. `callwatch stats --by hour` over 30 days, for the busiest customer and for every entity, after CDRs spread over
//    30 days are inserted straight into the same folder (up to --stats-cdrs in all), with the rate of that bulk load.
// Flags: --cdrs (1000000 through the service), --stats-cdrs (10000000), --keep (leave the temporary folder).
// Quick check: npm run bench:recorder -- --cdrs 50000 --stats-cdrs 500000. Start the infrastructure first (npm run infra:up).
// Each stats run is a process of its own (recorder-query.ts), as `callwatch stats` is; one that runs out of Node's
// default heap is noted and the runs are made again with a larger one.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clickHouseReader, createClickHouse } from '@callwatch/clickhouse';
import { zipfCdrs } from './cdr-traffic';
import { BULK_BLOCK, bulkLoad, median, timeStats, type BulkLoad, type QueryTiming } from './recorder-history';
import { runRecorderService, tableSizes, waitForMerges, type TableSize } from './recorder-service';

const CUSTOMERS = 10_000;
const CARRIERS = 200;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const STATS_DAYS = 30;
const QUERY_RUNS = 3;
const SIZED_TABLES = ['cdrs', 'cdr_hourly', 'cdr_daily', 'cdr_seconds'];
// docs/benchmarks.md, `npm run bench:aggregator` on dev, 2026-11-23 (a normal day): CDRs/s including start-up and
// from when counting was first seen, and the aggregator's Node CPU per CDR (6.3–6.5 s per 200,000 CDRs).
const AGGREGATOR = { rate: [32_300, 34_000], steady: [37_800, 45_100], nodeCpuUs: [31.5, 32.5] } as const;

function count(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${flag}: expected a whole number above 0, got "${raw}"`);
  return value;
}

function parseOptions(argv: string[]): { cdrs: number; statsCdrs: number; keep: boolean } {
  const { values } = parseArgs({ args: argv, options: { cdrs: { type: 'string' }, 'stats-cdrs': { type: 'string' }, keep: { type: 'boolean', default: false } } });
  const cdrs = count('cdrs', values.cdrs, 1_000_000);
  const statsCdrs = count('stats-cdrs', values['stats-cdrs'], 10_000_000);
  if (statsCdrs <= cdrs) throw new Error(`--stats-cdrs (${statsCdrs}) counts the CDRs of --cdrs (${cdrs}) too: give more`);
  return { cdrs, statsCdrs, keep: values.keep ?? false };
}

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number) => `${n(bytes / 1024 / 1024, 1)} MiB`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
// Where a rate falls against one of the aggregator's documented ranges.
const against = (rate: number, [low, high]: readonly number[]) => (rate > (high as number) ? 'above' : rate < (low as number) ? 'below' : 'within');
const keepsUp = (rate: number, steady: number) =>
  against(rate, AGGREGATOR.rate) === 'below' || against(steady, AGGREGATOR.steady) === 'below' ? 'does NOT keep up' : 'keeps up (not below either range)';
const range = ([low, high]: readonly number[], digits = 0) => `${n(low as number, digits)}–${n(high as number, digits)}`;

function tableBytes(tables: TableSize[], cdrs: number): string {
  return SIZED_TABLES.map((name) => `${name} ${n((tables.find((t) => t.table === name)?.bytes ?? 0) / cdrs, 1)}`).join(', ');
}

function printTable(rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([figure]) => figure.length));
  for (const [figure, value] of rows) console.log(`${figure.padEnd(width)}  ${value}`);
}

const timing = (t: QueryTiming) =>
  `${n(median(t.wallMs))} ms (${t.wallMs.length === 1 ? 'one run' : `runs ${t.wallMs.map((ms) => n(ms)).join(', ')}`}; CPU ${n(median(t.cpuMs))} ms; ` +
  `${n(t.rows)} rows; peak RSS ${mib(t.peakRssBytes)}${t.heapNote ? `; ${t.heapNote}` : ''})`;

async function main(): Promise<void> {
  const { cdrs, statsCdrs, keep } = parseOptions(process.argv.slice(2));
  const loadBefore = load();
  console.log(`machine: ${cpus().length} cores, node ${process.version}, load average ${loadBefore}`);
  console.log(`${n(cdrs)} CDRs through the recorder, ${n(statsCdrs)} for the stats queries; ${n(CUSTOMERS)} customers, ${n(CARRIERS)} carriers (Zipf 1.1)`);
  const startedAt = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'callwatch-bench-recorder-'));
  const chdbPath = join(dir, 'chdb');
  try {
    // 1. The service, on CDRs that ended in the last hour.
    const service = await runRecorderService({ dir, chdbPath, cdrs, nextCdr: zipfCdrs({ customers: CUSTOMERS, carriers: CARRIERS, seed: 42, idPrefix: 'svc-' }), fromMs: startedAt - HOUR_MS, spanMs: HOUR_MS });
    const rate = cdrs / service.seconds;
    console.log(`recorder: ${n(rate)} CDRs/s including start-up (${n(service.seconds, 1)} s), ${n(service.steadyRate)} CDRs/s from when rows were first seen; CPU ${n(service.cpu, 1)} s`);
    console.log(`disk: ${n(service.du.allocated / cdrs, 1)} B/CDR (du); per table: ${tableBytes(service.tables, cdrs)} B/CDR`);

    // 2. The stats queries, over 30 days of CDRs inserted straight into the folder the recorder left.
    const toMs = startedAt - HOUR_MS;
    const client = createClickHouse({ path: chdbPath });
    const reader = clickHouseReader(client, `embedded ClickHouse in ${chdbPath}`);
    let bulk: BulkLoad;
    let tables: TableSize[];
    let entity: string;
    try {
      bulk = await bulkLoad(client, { rows: statsCdrs - cdrs, fromMs: toMs - STATS_DAYS * DAY_MS, toMs, nextCdr: zipfCdrs({ customers: CUSTOMERS, carriers: CARRIERS, seed: 7, idPrefix: 'bulk-' }) });
      const mergeSeconds = await waitForMerges(reader, 300_000);
      console.log(`bulk load: ${n(bulk.rows / bulk.seconds)} CDRs/s; merges ran ${n(mergeSeconds, 1)} s more`);
      tables = await tableSizes(reader);
      const [busiest] = await reader.rows<{ entity: string }>(`SELECT entity, sum(attempts) AS a FROM cdr_hourly WHERE entity LIKE 'customer:%' GROUP BY entity ORDER BY a DESC LIMIT 1`);
      entity = busiest?.entity ?? 'customer:cust-0';
    } finally {
      // The queries run in processes of their own, as the CLI does: one process at a time may hold the folder.
      await client.close();
    }
    const query = { path: chdbPath, fromMs: startedAt - STATS_DAYS * DAY_MS, toMs: startedAt, runs: QUERY_RUNS };
    const one = await timeStats({ ...query, entity });
    console.log(`stats, ${entity}: ${timing(one)}`);
    const all = await timeStats(query);
    console.log(`stats, every entity: ${timing(all)}`);
    const allInEngine = await timeStats({ ...query, engineOnly: true, runs: 1 });
    console.log(`stats, every entity, the query in the engine alone: ${timing(allInEngine)}`);

    console.log('');
    printTable([
      ['machine', `${cpus().length} cores, node ${process.version}; load average ${loadBefore} before, ${load()} after`],
      ['recorder, including start-up', `${n(rate)} CDRs/s (${n(cdrs)} CDRs in ${n(service.seconds, 1)} s; ${n(service.startupMs)} ms until /query answered)`],
      ['recorder, from rows first seen', `${n(service.steadyRate)} CDRs/s`],
      ['recorder CPU', `${n(service.cpu, 1)} s (${n(service.startupCpu, 1)} s starting): ${n((service.cpu / cdrs) * 1e6, 1)} µs per CDR; ${n((service.cpuSettled / cdrs) * 1e6, 1)} µs with the merges that followed (${n(service.settleSeconds, 1)} s)`],
      ['Kafka CPU; recorder peak RSS', `${n(service.kafkaCpu, 1)} s; ${mib(service.peakRssBytes)}`],
      ['aggregator (docs/benchmarks.md, dev, 2026-11-23)', `${range(AGGREGATOR.rate)} CDRs/s incl. start-up, ${range(AGGREGATOR.steady)} steady; Node CPU ${range(AGGREGATOR.nodeCpuUs, 1)} µs per CDR`],
      ['recorder against the aggregator\'s ranges', `${against(rate, AGGREGATOR.rate)} incl. start-up, ${against(service.steadyRate, AGGREGATOR.steady)} steady: ${keepsUp(rate, service.steadyRate)}`],
      [`disk, ${n(cdrs)} CDRs of one hour (du)`, `${n(service.du.allocated / cdrs, 1)} B/CDR allocated, ${n(service.du.apparent / cdrs, 1)} apparent (${mib(service.du.allocated)})`],
      ['  active parts, B/CDR', tableBytes(service.tables, cdrs)],
      [`bulk load, ${n(bulk.rows)} CDRs over ${STATS_DAYS} days, ${n(BULK_BLOCK)} an insert`, `${n(bulk.rows / bulk.seconds)} CDRs/s (inserts alone ${n(bulk.rows / bulk.insertSeconds)}); CPU ${n((bulk.cpu / bulk.rows) * 1e6, 1)} µs per CDR, making the rows included`],
      [`disk, ${n(statsCdrs)} CDRs, active parts, B/CDR`, tableBytes(tables, statsCdrs)],
      [`stats --by hour, ${STATS_DAYS} days, ${entity}`, timing(one)],
      [`stats --by hour, ${STATS_DAYS} days, every entity`, timing(all)],
      ['  the same, its rows only counted in the engine', timing(allInEngine)],
    ]);
  } finally {
    if (keep) console.log(`kept ${dir} (the recorder's log and its ClickHouse folder)`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:recorder failed: ${err.message}`);
    process.exit(1);
  },
);
