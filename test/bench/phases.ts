import type { Connection } from '@callwatch/kafka';
import { counterValue } from './figures';

type Registry = Parameters<typeof counterValue>[0];

/**
 * Progress is when a service's counter was first seen above zero and when it reached the target
 * (performance.now() ms), and its value when first seen: a service that counts while it starts has done that
 * much before polling could begin.
 */
export interface Progress {
  firstMs: number;
  firstValue: number;
  endedMs: number;
}

/** waitForCounter polls a service's counter until it reaches `target`, noting when it was first seen moved and at what value. */
export async function waitForCounter(registry: Registry, name: string, target: number): Promise<Progress> {
  let firstMs = 0;
  let firstValue = 0;
  for (;;) {
    const value = await counterValue(registry, name);
    if (value > 0 && firstMs === 0) [firstMs, firstValue] = [performance.now(), value];
    if (value >= target) return { firstMs, firstValue, endedMs: performance.now() };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** LatencyOptions say what a steady-rate phase publishes, where its results appear, and for how long. */
export interface LatencyOptions {
  conn: Connection;
  groupId: string;
  /** the topic whose messages end the measured path; their `at_ms` is when the path started */
  topic: string;
  schema: 'metric' | 'alert';
  ratePerSecond: number;
  seconds: number;
  /** publishes `count` inputs stamped with the wall clock */
  publish: (count: number) => Promise<void>;
  /** called with each latency as it is measured, and when (ms into the phase) its output arrived */
  onSample?: (latencyMs: number, atMs: number) => void;
}

/**
 * measureLatency publishes at a steady rate (in tenths of a second) and returns, sorted, the time from each input's
 * wall-clock stamp to the arrival of the output that carries it.
 */
export async function measureLatency({ conn, groupId, topic, schema, ratePerSecond, seconds, publish, onSample }: LatencyOptions): Promise<number[]> {
  const latencies: number[] = [];
  const watcher = conn.kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await watcher.connect();
  await watcher.subscribe({ topic, fromBeginning: false });
  const phaseStart = Date.now();
  await watcher.run({
    eachBatch: async ({ batch }) => {
      await conn.codec.prefetch(batch.messages.map((m) => m.value));
      const received = Date.now();
      for (const m of batch.messages) {
        const { at_ms } = conn.codec.decode(schema, m.value);
        if (at_ms < phaseStart) continue;
        latencies.push(received - at_ms);
        onSample?.(received - at_ms, received - publishStart);
      }
    },
  });
  await new Promise((r) => setTimeout(r, 3_000)); // let the watcher join its group
  const publishStart = Date.now();
  for (let tick = 0; tick < seconds * 10; tick++) {
    const tickStart = Date.now();
    await publish(ratePerSecond / 10);
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tickStart))));
  }
  await new Promise((r) => setTimeout(r, 3_000));
  await watcher.disconnect();
  return latencies.sort((a, b) => a - b);
}
