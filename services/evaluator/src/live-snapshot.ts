import type { Redis, RedisKeys } from '@callwatch/redis';
import type { MetricSnapshot } from '@callwatch/schemas';
import { readEntity } from '@callwatch/windows';

// Reads in flight at once: each is one pipelined round trip, so a large scope is read in a few round-trip times.
const CONCURRENT_READS = 500;

/**
 * readLiveSnapshot reads an entity's metrics from Redis as the aggregator last left them (what `callwatch status`
 * shows), as a metric snapshot at the entity's clock, or at `now` when nothing was counted for it yet.
 */
export async function readLiveSnapshot(redis: Redis, keys: RedisKeys, entity: string, now: number): Promise<MetricSnapshot> {
  const { clockMs, windows, channels, balance, late, version } = await readEntity(redis, keys, entity);
  return { entity, at_ms: clockMs ?? now, windows, channels, balance, late, version };
}

/** readLiveSnapshots reads many entities' live metrics, a few hundred round trips in flight at a time. */
export async function readLiveSnapshots(redis: Redis, keys: RedisKeys, entities: readonly string[], now: number): Promise<Map<string, MetricSnapshot>> {
  const out = new Map<string, MetricSnapshot>();
  for (let i = 0; i < entities.length; i += CONCURRENT_READS) {
    const chunk = entities.slice(i, i + CONCURRENT_READS);
    const snapshots = await Promise.all(chunk.map((entity) => readLiveSnapshot(redis, keys, entity, now)));
    for (const snapshot of snapshots) out.set(snapshot.entity, snapshot);
  }
  return out;
}
