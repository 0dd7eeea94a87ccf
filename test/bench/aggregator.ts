#!/usr/bin/env node
// `npm run bench:aggregator`: throughput and latency of the aggregator on the real local Kafka and Redis,
// beside the rate at which a bare KafkaJS consumer merely reads and decodes the same topic (the ceiling).
// Options (environment): BENCH_CDRS (default 200000), BENCH_CUSTOMERS (10000), BENCH_CARRIERS (200),
// BENCH_LATENCY_RATE (5000 CDRs/s), BENCH_LATENCY_SECONDS (15) and BENCH_CPU_PROFILE (a file: profile the aggregation
// phase into it; the main thread only). AGGREGATOR_* settings pass through, e.g. AGGREGATOR_WORKERS=2 runs the
// aggregators in worker threads. Start the infrastructure first (npm run infra:up).
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregators } from '@callwatch/aggregator';
import { connect, type Connection } from '@callwatch/kafka';
import type { Cdr } from '@callwatch/schemas';
import { DEFAULT_PROFILE, seededRandom, simulateCdr } from '@callwatch/cli';
import { counterValue, luaCalls, percentile, redisMemory, removeBenchData, startCpuMeter, startCpuProfile } from './figures';
import { measureLatency, waitForCounter } from './phases';
import { zipfSampler } from './zipf';

const N = Number(process.env.BENCH_CDRS ?? 200_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 10_000);
const CARRIERS = Number(process.env.BENCH_CARRIERS ?? 200);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 5_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 15);
const LATENCY_SETTLE_MS = 5_000;
const PARTITIONS = 6;

const random = seededRandom(42);
const customer = zipfSampler(CUSTOMERS, 1.1, random);
const carrier = zipfSampler(CARRIERS, 1.1, random);
let seq = 0;
function nextCdr(endMs: number): Cdr {
  const cdr = simulateCdr({ ...DEFAULT_PROFILE, badCustomers: [] }, random, endMs, seq++, ['x']);
  return { ...cdr, cdr_id: `bench-${seq}`, customer_id: `cust-${customer()}`, carrier_id: `carrier-${carrier()}` };
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

async function publish(conn: Connection, cdrs: Cdr[]): Promise<void> {
  for (let i = 0; i < cdrs.length; i += 5_000) {
    await conn.publisher.publish(conn.topics.cdr, 'cdr', cdrs.slice(i, i + 5_000).map((c) => ({ key: `customer:${c.customer_id}`, value: c })));
  }
}

async function bareConsumerRate(conn: Connection, prefix: string): Promise<number> {
  const consumer = conn.kafka.consumer({ groupId: `${prefix}bare`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: conn.topics.cdr, fromBeginning: true });
  let read = 0;
  let started = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        await conn.codec.prefetch(batch.messages.map((m) => m.value));
        for (const m of batch.messages) conn.codec.decode('cdr', m.value);
        read += batch.messages.length;
        if (read >= N) resolve(performance.now());
      },
    });
  });
  const ended = await done;
  await consumer.disconnect();
  return N / ((ended - started) / 1000);
}

/** perCdr turns the CPU meter's "node 30.0 s, redis 16.3 s, kafka 2.2 s" into µs per CDR, summed over the processes. */
function perCdr(cpu: string): string {
  const seconds = [...cpu.matchAll(/([\d.]+) s/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  return `${((seconds * 1e6) / N).toFixed(1)} µs per CDR in all`;
}

async function main(): Promise<void> {
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  const env = { ...process.env, TOPIC_PREFIX: prefix, REDIS_KEY_PREFIX: prefix, TOPIC_PARTITIONS: String(PARTITIONS), METRICS_PORT: '0', LOG_LEVEL: 'warn', AGGREGATOR_GROUP_ID: `${prefix}aggregator`, AGGREGATOR_PERIODS: '5m,15m,1h' };
  const config = loadConfig(AGGREGATOR_ENV, env);
  const conn = await connect(config, `${prefix}bench`, ['cdr', 'metric']);
  console.log(`machine: ${cpus().length} cores, node ${process.version}; ${N} CDRs, ${CUSTOMERS} customers, ${CARRIERS} carriers (Zipf 1.1), ${PARTITIONS} partitions; a checkpoint every ${config.AGGREGATOR_CHECKPOINT_MS ? `${config.AGGREGATOR_CHECKPOINT_MS} ms` : 'batch'}; ${config.AGGREGATOR_WORKERS === 1 ? 'one aggregator in the main thread' : `${config.AGGREGATOR_WORKERS} aggregators in worker threads`}`);

  const now = Date.now();
  let cdrs = Array.from({ length: N }, (_, i) => nextCdr(now - 60_000 + Math.floor((i / N) * 60_000)));
  let t = performance.now();
  await publish(conn, cdrs);
  console.log(`published ${N} CDRs at ${Math.round(N / ((performance.now() - t) / 1000))} CDRs/s`);
  // The aggregator runs in this process: its garbage collector should not have to walk the benchmark's own CDRs.
  cdrs = [];

  const ceiling = await bareConsumerRate(conn, prefix);
  console.log(`bare KafkaJS consumer (read + decode): ${Math.round(ceiling)} CDRs/s`);

  const cpuUsed = startCpuMeter(config.REDIS_URL);
  const stopProfile = await startCpuProfile(process.env.BENCH_CPU_PROFILE);
  const luaBefore = await luaCalls(config.REDIS_URL);
  const memoryBefore = await redisMemory(config.REDIS_URL);
  t = performance.now();
  const aggregator = await startAggregators(config, { onFailure: (err) => { throw err; } });
  const startedMs = performance.now() - t;
  const registry = { getSingleMetricAsString: async (name: string) => (await aggregator.metrics(name)).getSingleMetricAsString(name) };
  // Every CDR counts for its customer and its carrier.
  const { firstMs: firstCounted, firstValue, endedMs: ended } = await waitForCounter(registry, 'callwatch_aggregator_events_total', 2 * N);
  const rate = N / ((ended - t) / 1000);
  // Only what was counted after the counter was first seen (two counts per CDR: customer and carrier side).
  const steady = (N - firstValue / 2) / ((ended - firstCounted) / 1000);
  const trips = await counterValue(registry, 'callwatch_aggregator_redis_round_trips_total');
  const lua = await luaCalls(config.REDIS_URL);
  const cpu = cpuUsed();
  await stopProfile();
  console.log(`aggregator: ${Math.round(rate)} CDRs/s including start-up (${Math.round(startedMs)} ms to start, ${Math.round(firstCounted - t)} ms until counting was seen); ${Math.round(steady)} CDRs/s from then on; ${Math.round((rate / ceiling) * 100)}% / ${Math.round((steady / ceiling) * 100)}% of the bare consumer`);
  console.log(`Redis round trips per 1,000 CDRs: ${((trips / N) * 1000).toFixed(1)}; Lua calls (checkpoint writes) per 1,000 CDRs: ${(((lua.calls - luaBefore.calls) / N) * 1000).toFixed(0)}, ${((lua.usec - luaBefore.usec) / (lua.calls - luaBefore.calls)).toFixed(0)} µs a call`);
  const { loads, writes, conflicts, inMemory } = await aggregator.figures();
  const grown = (await redisMemory(config.REDIS_URL)) - memoryBefore;
  console.log(`Redis memory grew by ${(grown / 1024 / 1024).toFixed(1)} MiB: ${Math.round(grown / loads)} bytes per entity, ${Math.round(grown / N)} bytes per CDR`);
  console.log(`window store: ${loads} entities loaded, ${writes} checkpoint writes (${((writes / N) * 1000).toFixed(0)} per 1,000 CDRs), ${conflicts} overtaken by another writer; ${inMemory} entities in memory`);
  console.log(`CPU time while aggregating ${N} CDRs: ${cpu} (${perCdr(cpu)}; ${(((ended - t) / 1000)).toFixed(1)} s of wall time, ${cpus().length} cores)`);

  // Latency at a steady rate: from publish (the CDR's end time) to the snapshot carrying it.
  // Also without the phase's first seconds, while the aggregator warms to the new pace (a steady state).
  const settled: number[] = [];
  const latencies = await measureLatency({
    conn, groupId: `${prefix}latency`, topic: conn.topics.metric, schema: 'metric', ratePerSecond: LATENCY_RATE, seconds: LATENCY_SECONDS,
    publish: (count) => publish(conn, Array.from({ length: count }, () => nextCdr(Date.now()))),
    onSample: (latencyMs, atMs) => void (atMs >= LATENCY_SETTLE_MS && settled.push(latencyMs)),
  });
  settled.sort((a, b) => a - b);
  console.log(`latency publish→snapshot at ${LATENCY_RATE} CDRs/s over ${LATENCY_SECONDS} s: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms (${latencies.length} snapshots)${settled.length === 0 ? '' : `; after its first ${LATENCY_SETTLE_MS / 1000} s: p50 ${percentile(settled, 50)} ms, p99 ${percentile(settled, 99)} ms`}`);
  console.log(`peak RSS (bench + aggregator in one process): ${Math.round(peakRss / 1024 / 1024)} MiB`);

  await aggregator.stop();
  await removeBenchData(conn.kafka, config.REDIS_URL, prefix);
  await conn.close();
  clearInterval(sampler);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:aggregator failed: ${err.message}`);
    process.exit(1);
  },
);
