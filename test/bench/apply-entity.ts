#!/usr/bin/env node
// `npm run bench:lua`: what the aggregator's Lua script (applyEntity) costs Redis per call, on the deltas one
// partition's batches make (Zipf-skewed customers, three sample periods), read from Redis's own INFO commandstats.
// No Kafka: the deltas go straight to WindowStore.apply, so a change to the script can be compared run against run.
// Options (environment): BENCH_CDRS (200000), BENCH_CUSTOMERS (1700, about one partition's of 10,000),
// BENCH_BATCH (20000 CDRs, about what a 4 MiB fetch brings), BENCH_RUNS (3). Needs Redis (npm run infra:up).
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV } from '@callwatch/aggregator';
import { RedisKeys, WindowStore, createRedis } from '@callwatch/redis';
import { preAggregate, type PositionedEvent } from '@callwatch/windows';
import { DEFAULT_PROFILE, seededRandom, simulateCdr } from '@callwatch/cli';
import { luaCalls, removeBenchKeys } from './figures';
import { zipfSampler } from './zipf';

const N = Number(process.env.BENCH_CDRS ?? 200_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_700);
const BATCH = Number(process.env.BENCH_BATCH ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PERIODS_MS = [300_000, 900_000, 3_600_000];

async function main(): Promise<void> {
  const config = loadConfig(AGGREGATOR_ENV, { ...process.env, METRICS_PORT: '0' });
  const redis = createRedis(config.REDIS_URL, { name: 'bench-lua' });
  const random = seededRandom(7);
  const customer = zipfSampler(CUSTOMERS, 1.1, random);
  const now = Date.now();
  // Ten minutes of traffic, so windows slide as the batches go.
  const events: PositionedEvent[] = Array.from({ length: N }, (_, i) => ({
    offset: i,
    event: { type: 'cdr', ...simulateCdr({ ...DEFAULT_PROFILE, badCustomers: [] }, random, now - 600_000 + Math.floor((i / N) * 600_000), i, ['x']), cdr_id: `bench-${i}`, customer_id: `cust-${customer()}` },
  }));
  console.log(`${N} CDRs of ${CUSTOMERS} customers in batches of ${BATCH}, periods 5m,15m,1h; ${RUNS} runs`);
  for (let run = 0; run < RUNS; run++) {
    const prefix = `bench-${randomUUID().slice(0, 8)}.`;
    const store = new WindowStore(redis, new RedisKeys(prefix), { periodsMs: PERIODS_MS, idRetentionMs: 3_900_000, maxCallMs: 14_400_000 });
    const before = await luaCalls(config.REDIS_URL);
    for (let i = 0; i < N; i += BATCH) {
      const deltas = [...preAggregate(events.slice(i, i + BATCH), { side: 'customer', periodsMs: PERIODS_MS, latenessMs: 300_000, positions: new Map() }).values()];
      await store.apply('bench/0', deltas, 'epoch');
    }
    const after = await luaCalls(config.REDIS_URL);
    const calls = after.calls - before.calls;
    const usec = after.usec - before.usec;
    console.log(`run ${run + 1}: ${calls} applyEntity calls, ${(usec / calls).toFixed(0)} µs a call, ${(usec / N).toFixed(1)} µs of Redis per CDR`);
    await removeBenchKeys(config.REDIS_URL, prefix);
  }
  redis.disconnect();
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:lua failed: ${err.message}`);
    process.exit(1);
  },
);
