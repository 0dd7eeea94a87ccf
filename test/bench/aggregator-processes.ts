#!/usr/bin/env node
// `npm run bench:aggregators`: throughput of the aggregator as separate processes on this machine, one and then
// several at once (each a full member of the three consumer groups), over the same Zipf-skewed CDRs. It tells whether
// the cores left over by one aggregator pay, and what each process holds: its peak RSS and the entities in its memory.
// Options (environment): BENCH_CDRS (default 1000000), BENCH_CUSTOMERS (10000), BENCH_PROCESSES (the counts to
// compare, default 1,2), BENCH_ROUNDS (default 2, the counts interleaved); AGGREGATOR_* settings pass through, e.g.
// AGGREGATOR_MEMORY_ENTITIES; BENCH_NODE_ARGS go to each aggregator's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
// (a V8 CPU profile of each, written as it stops) or "--trace-gc" (into its log).
// Start the infrastructure first (npm run infra:up) and build (npm run build).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV } from '@callwatch/aggregator';
import { connect } from '@callwatch/kafka';
import { zipfCdrs } from './cdr-traffic';
import { cpuSeconds, removeBenchData, startCpuMeter } from './figures';

const N = Number(process.env.BENCH_CDRS ?? 1_000_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 10_000);
const COUNTS = (process.env.BENCH_PROCESSES ?? '1,2').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const MAIN = join(__dirname, '..', '..', '..', '..', 'services', 'aggregator', 'dist', 'main.js');
const LOGS = join(process.env.CALLWATCH_RUN_DIR ?? '.run', 'bench');
const FIRST_PORT = 19_700;

/** summed sums one metric (every series of it) over the processes' metrics endpoints (one not up yet counts 0). */
async function summed(ports: number[], metric: string): Promise<number> {
  let sum = 0;
  for (const port of ports) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    for (const line of text.split('\n')) if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

/** peakRssMiB is the most memory a process has held resident so far (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

async function run(processes: number): Promise<string> {
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  const env = { ...process.env, TOPIC_PREFIX: prefix, REDIS_KEY_PREFIX: prefix, TOPIC_PARTITIONS: '6', LOG_LEVEL: 'warn', AGGREGATOR_GROUP_ID: `${prefix}aggregator`, AGGREGATOR_PERIODS: '5m,15m,1h' };
  const config = loadConfig(AGGREGATOR_ENV, env);
  const conn = await connect(config, `${prefix}bench`, ['cdr']);
  const next = zipfCdrs({ customers: CUSTOMERS, carriers: 200, seed: 42, idPrefix: 'bench-' });
  const now = Date.now();
  for (let i = 0; i < N; i += 5_000) {
    const cdrs = Array.from({ length: Math.min(5_000, N - i) }, (_, j) => next(now - 60_000 + Math.floor(((i + j) / N) * 60_000)));
    await conn.publisher.publish(conn.topics.cdr, 'cdr', cdrs.map((c) => ({ key: `customer:${c.customer_id}`, value: c })));
  }
  const infra = startCpuMeter(config.REDIS_URL);
  const ports = Array.from({ length: processes }, (_, i) => FIRST_PORT + i);
  const started = performance.now();
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const children: ChildProcess[] = ports.map((port, i) => spawn(process.execPath, [...nodeArgs, MAIN], {
    env: { ...env, METRICS_PORT: String(port) },
    stdio: ['ignore', openSync(join(LOGS, `aggregator-${i}.log`), 'w'), openSync(join(LOGS, `aggregator-${i}.log`), 'a')],
  }));
  let exited: string | null = null;
  for (const child of children) child.once('exit', (code, signal) => (exited ??= `an aggregator exited (${signal ?? code}); see ${LOGS}`));
  try {
    // Every CDR counts for its customer and its carrier.
    while ((await summed(ports, 'callwatch_aggregator_events_total')) < 2 * N) {
      if (exited !== null) throw new Error(exited);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const aggregators = children.reduce((sum, child) => sum + cpuSeconds(child.pid as number), 0);
    const others = infra().replace(/^node [^,]+, /, '');
    const inMemory = await summed(ports, 'callwatch_aggregator_entities_in_memory');
    const rss = children.map((child) => `${peakRssMiB(child.pid as number)} MiB`).join(', ');
    return `${processes} aggregator process(es): ${Math.round(N / seconds)} CDRs/s including start-up (${seconds.toFixed(1)} s); CPU aggregators ${aggregators.toFixed(1)} s, ${others} (${((aggregators * 1e6) / N).toFixed(1)} µs per CDR in the aggregators); peak RSS ${rss}; ${inMemory} entities in memory; load ${(loadavg()[0] ?? 0).toFixed(2)}`;
  } finally {
    // Stopped gracefully (a CPU profile is written at exit), killed after 15 s.
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    })));
    await removeBenchData(conn.kafka, config.REDIS_URL, prefix);
    await conn.close();
  }
}

async function main(): Promise<void> {
  mkdirSync(LOGS, { recursive: true });
  console.log(`machine: ${cpus().length} cores, node ${process.version}; ${N} CDRs, ${CUSTOMERS} customers, 200 carriers (Zipf 1.1), 6 partitions; processes ${COUNTS.join(' vs ')}, ${ROUNDS} rounds interleaved; memory budget ${process.env.AGGREGATOR_MEMORY_ENTITIES ?? 'default'}; logs in ${LOGS}`);
  for (let round = 0; round < ROUNDS; round++) for (const count of COUNTS) console.log(await run(count));
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:aggregators failed: ${err.message}`);
    process.exit(1);
  },
);
