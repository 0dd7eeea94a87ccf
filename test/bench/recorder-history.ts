import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { RECORD_TARGETS, insertRows, type ClickHouseClient, type Row } from '@callwatch/clickhouse';
import type { Cdr } from '@callwatch/schemas';
import type { QueryRun } from './recorder-query';

/** BULK_BLOCK is how many CDRs one insert of the bulk load writes. */
export const BULK_BLOCK = 200_000;

/** BulkLoad is what inserting CDRs straight into the engine took: wall and CPU seconds of this process (the engine's threads included). */
export interface BulkLoad {
  rows: number;
  seconds: number;
  cpu: number;
  /** the summed time of the inserts alone, each from its call until it returned */
  insertSeconds: number;
}

/** BulkLoadOptions: how many CDRs to add, ending evenly spread over [fromMs, toMs), made by `nextCdr`. */
export interface BulkLoadOptions {
  rows: number;
  fromMs: number;
  toMs: number;
  nextCdr: (endMs: number) => Cdr;
}

/**
 * bulkLoad inserts CDRs in time order, BULK_BLOCK at a time, as rows the recorder would have written (the materialized
 * views build the rollups); it makes the next block while the engine writes the last one, and prints its progress.
 */
export async function bulkLoad(client: ClickHouseClient, { rows, fromMs, toMs, nextCdr }: BulkLoadOptions): Promise<BulkLoad> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let inserted = 0;
  let insertSeconds = 0;
  let reported = 0;
  const insert = async (block: Row[]) => {
    const t = performance.now();
    await insertRows(client, 'cdrs', block);
    insertSeconds += (performance.now() - t) / 1000;
    inserted += block.length;
    if (inserted - reported >= rows / 10 || inserted === rows) {
      reported = inserted;
      console.log(`  bulk load: ${inserted.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')} CDRs, ${Math.round(inserted / ((performance.now() - started) / 1000))} CDRs/s`);
    }
  };
  let pending = Promise.resolve();
  for (let done = 0; done < rows; ) {
    const size = Math.min(BULK_BLOCK, rows - done);
    const block = Array.from({ length: size }, (_, k) => {
      const i = done + k;
      const cdr = nextCdr(fromMs + Math.floor((i / rows) * (toMs - fromMs)));
      return RECORD_TARGETS.cdr.toRow(cdr, { topic: 'bench.bulk', partition: i % 6, offset: String(i), key: null, headers: {}, timestamp: cdr.end_ms }) as Row;
    });
    await pending;
    pending = insert(block);
    done += size;
  }
  await pending;
  const used = process.cpuUsage(cpu);
  return { rows, seconds: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6, insertSeconds };
}

/** QueryTiming is a query's runs, each in a process of its own (recorder-query.ts), and what was needed to finish them. */
export interface QueryTiming {
  wallMs: number[];
  cpuMs: number[];
  rows: number;
  peakRssBytes: number;
  /** set when a run ran out of Node's default heap and the runs were made again with a larger one */
  heapNote: string | null;
}

/** median is the middle value of a list (the mean of the two middle ones for an even length). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const QUERY_MAIN = join(__dirname, 'recorder-query.js');
/** LARGE_HEAP_MIB is the heap a run gets after one ran out of Node's default heap. */
export const LARGE_HEAP_MIB = 16_384;

// V8 aborts the process (SIGABRT) when its heap is exhausted.
function runOnce(args: string[], heapMiB: number | null): Promise<QueryRun | 'out of memory'> {
  const flags = heapMiB === null ? [] : [`--max-old-space-size=${heapMiB}`];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...flags, QUERY_MAIN, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) resolve(JSON.parse(stdout) as QueryRun);
      else if (err.signal === 'SIGABRT') resolve('out of memory');
      else reject(new Error(`recorder-query failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

/** StatsRuns say which query to time: `callwatch stats --by hour` over [fromMs, toMs), of one entity or all, on the folder at `path`. */
export interface StatsRuns {
  path: string;
  fromMs: number;
  toMs: number;
  entity?: string;
  /** count the rows in the engine instead of returning them */
  engineOnly?: boolean;
  runs: number;
}

/**
 * timeStats runs the stats query `runs` times, each in a fresh process as the CLI would (nothing else may hold the
 * folder open meanwhile). A run that exhausts Node's default heap is noted and the runs go on with LARGE_HEAP_MIB.
 */
export async function timeStats({ path, fromMs, toMs, entity, engineOnly = false, runs }: StatsRuns): Promise<QueryTiming> {
  const args = ['--path', path, '--from-ms', String(fromMs), '--to-ms', String(toMs), ...(entity ? ['--entity', entity] : []), ...(engineOnly ? ['--engine-only'] : [])];
  const timing: QueryTiming = { wallMs: [], cpuMs: [], rows: 0, peakRssBytes: 0, heapNote: null };
  let heapMiB: number | null = null;
  while (timing.wallMs.length < runs) {
    const run = await runOnce(args, heapMiB);
    if (run === 'out of memory') {
      if (heapMiB !== null) throw new Error(`stats ran out of a ${heapMiB} MiB heap too`);
      heapMiB = LARGE_HEAP_MIB;
      timing.heapNote = `ran out of Node's default heap (${Math.round(getHeapStatistics().heap_size_limit / 1024 / 1024)} MiB here); runs with ${LARGE_HEAP_MIB} MiB`;
      continue;
    }
    timing.wallMs.push(run.wallMs);
    timing.cpuMs.push(run.cpuMs);
    timing.rows = run.rows;
    timing.peakRssBytes = Math.max(timing.peakRssBytes, run.peakRssBytes);
  }
  return timing;
}
