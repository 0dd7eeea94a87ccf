import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { freePort } from '../support/ports';
import { dirname, join } from 'node:path';
import { COMMON_ENV, loadConfig } from '@callwatch/core';
import { recorderReader, type HistoryReader } from '@callwatch/clickhouse';
import { connect, type Connection } from '@callwatch/kafka';
import type { Cdr } from '@callwatch/schemas';
import { cpuSeconds, groupCpuSeconds, infraPid, removeBenchData } from './figures';

// The service's own entry point, found through its package (which the test workspace depends on).
const RECORDER_MAIN = join(dirname(require.resolve('@callwatch/recorder')), 'main.js');
const PARTITIONS = 6;
const POLL_MS = 200;
// A recorder that records nothing new for this long is stuck: the benchmark stops rather than wait for ever.
const STALL_MS = 120_000;

/** TableSize is one table's active parts, from system.parts. */
export interface TableSize {
  table: string;
  rows: number;
  bytes: number;
  parts: number;
}

/** ServiceRun is what the recorder service did with CDRs that were waiting for it in Kafka. */
export interface ServiceRun {
  publishRate: number;
  /** from the spawn until its /query endpoint answered */
  startupMs: number;
  /** from the spawn until every CDR was in `cdrs` */
  seconds: number;
  /** CDRs per second from when rows were first seen (the start-up left out) */
  steadyRate: number;
  /** the recorder's CPU seconds (user + system, every thread) from the spawn until every CDR was in */
  cpu: number;
  /** the same, until its /query endpoint answered */
  startupCpu: number;
  /** the same, until the merges that followed had finished (or a minute had passed) */
  cpuSettled: number;
  /** how long after the last CDR the merges took to finish */
  settleSeconds: number;
  /** Kafka's CPU seconds from the spawn until every CDR was in */
  kafkaCpu: number;
  peakRssBytes: number;
  tables: TableSize[];
  /** du of the data folder after the recorder exited: blocks allocated, and the files' apparent size */
  du: { allocated: number; apparent: number };
}

/** RecorderRunOptions: where the run keeps its files, and the CDRs it publishes before the recorder starts. */
export interface RecorderRunOptions {
  /** the run's temporary folder (the recorder's log goes here) */
  dir: string;
  /** the embedded ClickHouse folder */
  chdbPath: string;
  cdrs: number;
  nextCdr: (endMs: number) => Cdr;
  /** the CDRs end evenly spread over [fromMs, fromMs + spanMs) */
  fromMs: number;
  spanMs: number;
}

async function publishCdrs(conn: Connection, { cdrs, nextCdr, fromMs, spanMs }: RecorderRunOptions): Promise<number> {
  const started = performance.now();
  // Made a publish at a time: a million CDR objects at once would only load the garbage collector.
  for (let i = 0; i < cdrs; i += 5_000) {
    const batch = Array.from({ length: Math.min(5_000, cdrs - i) }, (_, k) => nextCdr(fromMs + Math.floor(((i + k) / cdrs) * spanMs)));
    await conn.publisher.publish(conn.topics.cdr, 'cdr', batch.map((c) => ({ key: `customer:${c.customer_id}`, value: c })));
  }
  return cdrs / ((performance.now() - started) / 1000);
}

/** tableSizes reads the active parts of every table, through a reader (the recorder's /query endpoint or the engine). */
export async function tableSizes(reader: HistoryReader): Promise<TableSize[]> {
  const rows = await reader.rows<Record<string, unknown>>(
    'SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, count() AS parts FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table ORDER BY table',
  );
  return rows.map((r) => ({ table: String(r.table), rows: Number(r.rows), bytes: Number(r.bytes), parts: Number(r.parts) }));
}

function peakRss(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  } catch {
    return NaN;
  }
}

function folderBytes(path: string): { allocated: number; apparent: number } {
  const du = (flag: string) => Number(execFileSync('du', ['-s', flag, path], { encoding: 'utf8' }).split('\t')[0]);
  return { allocated: du('-B1'), apparent: du('-b') };
}

function logTail(path: string): string {
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-10).join('\n');
}

async function stopGracefully(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
}

/** waitForMerges waits until ClickHouse merges nothing (at most `limitMs`) and returns how long that took, in seconds. */
export async function waitForMerges(reader: HistoryReader, limitMs = 60_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (Number((await reader.rows<{ n: unknown }>('SELECT count() AS n FROM system.merges'))[0]?.n ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return (performance.now() - started) / 1000;
}

interface Progress {
  readyMs: number;
  startupCpu: number;
  firstMs: number;
  firstValue: number;
  endedMs: number;
}

/** waitForRows polls `SELECT count() FROM cdrs` through the recorder until it reaches `target`, noting when it first answered and first held rows. */
async function waitForRows(reader: HistoryReader, child: ChildProcess, target: number, logPath: string): Promise<Progress> {
  const progress: Progress = { readyMs: 0, startupCpu: 0, firstMs: 0, firstValue: 0, endedMs: 0 };
  let last = { value: 0, atMs: performance.now() };
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the recorder exited (${child.exitCode ?? child.signalCode}); its log ends:\n${logTail(logPath)}`);
    let value: number | null = null;
    try {
      value = Number((await reader.rows<{ n: unknown }>('SELECT count() AS n FROM cdrs'))[0]?.n ?? 0);
    } catch {
      // Not listening yet, or the tables are not migrated yet.
    }
    const now = performance.now();
    if (value !== null) {
      if (progress.readyMs === 0) [progress.readyMs, progress.startupCpu] = [now, cpuSeconds(child.pid as number)];
      if (value > 0 && progress.firstMs === 0) [progress.firstMs, progress.firstValue] = [now, value];
      if (value >= target) return { ...progress, endedMs: now };
      if (value > last.value) last = { value, atMs: now };
    }
    if (now - last.atMs > STALL_MS) throw new Error(`the recorder stalled at ${last.value} of ${target} CDRs for ${STALL_MS / 1000} s; its log ends:\n${logTail(logPath)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * runRecorderService publishes CDRs to fresh topics, then spawns the recorder service (its own consumer group, the
 * embedded ClickHouse in `chdbPath`) and times it until every CDR is in `cdrs`; it reads the tables' sizes through
 * the recorder's /query endpoint, stops it with SIGTERM and measures its folder. It deletes its topics afterwards.
 */
export async function runRecorderService(options: RecorderRunOptions): Promise<ServiceRun> {
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  const port = await freePort();
  const env = {
    ...process.env, TOPIC_PREFIX: prefix, TOPIC_PARTITIONS: String(PARTITIONS), RECORDER_GROUP_ID: `${prefix}recorder`,
    METRICS_PORT: String(port), CLICKHOUSE_URL: '', CLICKHOUSE_PATH: options.chdbPath, LOG_LEVEL: 'warn',
  };
  const config = loadConfig(COMMON_ENV, env);
  const conn = await connect(config, `${prefix}bench`, ['cdr']);
  try {
    const publishRate = await publishCdrs(conn, options);
    console.log(`published ${options.cdrs} CDRs to ${PARTITIONS} partitions at ${Math.round(publishRate)} CDRs/s`);

    const logPath = join(options.dir, 'recorder.log');
    const log = openSync(logPath, 'w');
    const kafkaPid = infraPid('kafka');
    const kafkaCpu = () => (kafkaPid === null ? NaN : groupCpuSeconds(kafkaPid));
    const kafkaBefore = kafkaCpu();
    const spawnedMs = performance.now();
    const child = spawn(process.execPath, [RECORDER_MAIN], { env, stdio: ['ignore', log, log] });
    closeSync(log);
    try {
      const reader = recorderReader(`http://127.0.0.1:${port}`, { timeoutMs: 30_000 });
      const progress = await waitForRows(reader, child, options.cdrs, logPath);
      const cpu = cpuSeconds(child.pid as number);
      const kafkaUsed = kafkaCpu() - kafkaBefore;
      const peakRssBytes = peakRss(child.pid as number);
      const settleSeconds = await waitForMerges(reader);
      const cpuSettled = cpuSeconds(child.pid as number);
      const tables = await tableSizes(reader);
      await stopGracefully(child);
      return {
        publishRate,
        startupMs: progress.readyMs - spawnedMs,
        seconds: (progress.endedMs - spawnedMs) / 1000,
        steadyRate: (options.cdrs - progress.firstValue) / ((progress.endedMs - progress.firstMs) / 1000),
        cpu,
        startupCpu: progress.startupCpu,
        cpuSettled,
        settleSeconds,
        kafkaCpu: kafkaUsed,
        peakRssBytes,
        tables,
        du: folderBytes(options.chdbPath),
      };
    } finally {
      await stopGracefully(child);
    }
  } finally {
    await removeBenchData(conn.kafka, config.REDIS_URL, prefix);
    await conn.close();
  }
}
