#!/usr/bin/env node
// `npm run bench:aggregators`: throughput of the aggregator as separate processes on this machine, one and then
// several at once (each a full member of the three consumer groups), over the same Zipf-skewed CDRs. It tells whether
// the cores left over by one aggregator pay. Options (environment): BENCH_CDRS (default 1000000), BENCH_PROCESSES
// (the counts to compare, default 1,2), BENCH_ROUNDS (default 2, the counts interleaved). Start the infrastructure
// first (npm run infra:up) and build (npm run build).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV } from '@callwatch/aggregator';
import { connect } from '@callwatch/kafka';
import { zipfCdrs } from './cdr-traffic';
import { cpuSeconds, removeBenchData, startCpuMeter } from './figures';

const N = Number(process.env.BENCH_CDRS ?? 1_000_000);
const COUNTS = (process.env.BENCH_PROCESSES ?? '1,2').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const MAIN = join(__dirname, '..', '..', '..', '..', 'services', 'aggregator', 'dist', 'main.js');
const LOGS = join(process.env.CALLWATCH_RUN_DIR ?? '.run', 'bench');
const FIRST_PORT = 19_700;

/** countedSoFar sums callwatch_aggregator_events_total over the processes' metrics endpoints (one not up yet counts 0). */
async function countedSoFar(ports: number[]): Promise<number> {
  let sum = 0;
  for (const port of ports) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    for (const line of text.split('\n')) if (line.startsWith('callwatch_aggregator_events_total{')) sum += Number(line.split(' ').pop());
  }
  return sum;
}

async function run(processes: number): Promise<string> {
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  const env = { ...process.env, TOPIC_PREFIX: prefix, REDIS_KEY_PREFIX: prefix, TOPIC_PARTITIONS: '6', LOG_LEVEL: 'warn', AGGREGATOR_GROUP_ID: `${prefix}aggregator`, AGGREGATOR_PERIODS: '5m,15m,1h' };
  const config = loadConfig(AGGREGATOR_ENV, env);
  const conn = await connect(config, `${prefix}bench`, ['cdr']);
  const next = zipfCdrs({ customers: 10_000, carriers: 200, seed: 42, idPrefix: 'bench-' });
  const now = Date.now();
  for (let i = 0; i < N; i += 5_000) {
    const cdrs = Array.from({ length: Math.min(5_000, N - i) }, (_, j) => next(now - 60_000 + Math.floor(((i + j) / N) * 60_000)));
    await conn.publisher.publish(conn.topics.cdr, 'cdr', cdrs.map((c) => ({ key: `customer:${c.customer_id}`, value: c })));
  }
  const infra = startCpuMeter(config.REDIS_URL);
  const ports = Array.from({ length: processes }, (_, i) => FIRST_PORT + i);
  const started = performance.now();
  const children: ChildProcess[] = ports.map((port, i) => spawn(process.execPath, [MAIN], {
    env: { ...env, METRICS_PORT: String(port) },
    stdio: ['ignore', openSync(join(LOGS, `aggregator-${i}.log`), 'w'), openSync(join(LOGS, `aggregator-${i}.log`), 'a')],
  }));
  let exited: string | null = null;
  for (const child of children) child.once('exit', (code, signal) => (exited ??= `an aggregator exited (${signal ?? code}); see ${LOGS}`));
  try {
    // Every CDR counts for its customer and its carrier.
    while ((await countedSoFar(ports)) < 2 * N) {
      if (exited !== null) throw new Error(exited);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const aggregators = children.reduce((sum, child) => sum + cpuSeconds(child.pid as number), 0);
    const others = infra().replace(/^node [^,]+, /, '');
    return `${processes} aggregator process(es): ${Math.round(N / seconds)} CDRs/s including start-up (${seconds.toFixed(1)} s); CPU aggregators ${aggregators.toFixed(1)} s, ${others} (${((aggregators * 1e6) / N).toFixed(1)} µs per CDR in the aggregators); load ${(loadavg()[0] ?? 0).toFixed(2)}`;
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await removeBenchData(conn.kafka, config.REDIS_URL, prefix);
    await conn.close();
  }
}

async function main(): Promise<void> {
  mkdirSync(LOGS, { recursive: true });
  console.log(`machine: ${cpus().length} cores, node ${process.version}; ${N} CDRs, 10000 customers, 200 carriers (Zipf 1.1), 6 partitions; processes ${COUNTS.join(' vs ')}, ${ROUNDS} rounds interleaved; logs in ${LOGS}`);
  for (let round = 0; round < ROUNDS; round++) for (const count of COUNTS) console.log(await run(count));
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:aggregators failed: ${err.message}`);
    process.exit(1);
  },
);
