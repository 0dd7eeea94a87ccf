#!/usr/bin/env node
// One run of `callwatch stats` over an embedded ClickHouse folder, in a process of its own as the CLI runs it:
// bench:recorder starts it once per run. It prints one JSON line: wall and CPU milliseconds of trafficStats (the
// engine's threads included), the rows it returned, and this process's peak RSS.
// Arguments: --path <folder> --from-ms <ms> --to-ms <ms> [--entity customer:<id>] [--engine-only].
import { parseArgs } from 'node:util';
import { clickHouseReader, createClickHouse, trafficStats, type HistoryReader, type QueryParams } from '@callwatch/clickhouse';

/** QueryRun is what one run printed. */
export interface QueryRun {
  wallMs: number;
  cpuMs: number;
  rows: number;
  peakRssBytes: number;
}

/**
 * engineOnly wraps a reader so that each query only counts its rows in the engine and returns none: timed through
 * trafficStats, it is what computing the stats costs ClickHouse, without formatting, parsing and deriving the rows.
 */
function engineOnly(reader: HistoryReader): HistoryReader {
  return { ...reader, rows: async <T>(query: string, params?: QueryParams) => (await reader.rows(`SELECT count() AS n FROM (${query})`, params), [] as T[]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { path: { type: 'string' }, 'from-ms': { type: 'string' }, 'to-ms': { type: 'string' }, entity: { type: 'string' }, 'engine-only': { type: 'boolean', default: false } },
  });
  if (!values.path || !values['from-ms'] || !values['to-ms']) throw new Error('expected --path, --from-ms and --to-ms');
  const client = createClickHouse({ path: values.path });
  try {
    const reader = clickHouseReader(client, `embedded ClickHouse in ${values.path}`);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const stats = await trafficStats(values['engine-only'] ? engineOnly(reader) : reader, {
      entity: values.entity, by: 'hour', fromMs: Number(values['from-ms']), toMs: Number(values['to-ms']),
    });
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const run: QueryRun = { wallMs, cpuMs: (used.user + used.system) / 1e3, rows: stats.length, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
    console.log(JSON.stringify(run));
  } finally {
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`recorder-query failed: ${err.message}`);
    process.exit(1);
  },
);
