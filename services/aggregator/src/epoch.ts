import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '@callwatch/redis';

/**
 * Epoch tracks the aggregators' epoch, a marker in Redis that outlives every aggregator but not Redis itself.
 * When the marker is gone (Redis flushed, or restarted without persistence), every aggregator adopts a new
 * epoch and rewinds each partition it consumes to the oldest offset still needed, once per partition; entity
 * state of an older epoch is dropped by the Lua script when the replay reaches it.
 */
export class Epoch {
  private rebuilt = new Map<string, string>();

  private constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** the epoch this process found at start: partitions need no replay while it holds */
    private readonly baseline: string,
    public current: string,
  ) {}

  /** start reads the marker, creating it when missing (then every partition is replayed before it is counted). */
  static async start(redis: Redis, keys: RedisKeys): Promise<Epoch> {
    const found = await redis.get(keys.aggregatorEpoch());
    if (found !== null) return new Epoch(redis, keys, found, found);
    return new Epoch(redis, keys, '', await Epoch.create(redis, keys));
  }

  private static async create(redis: Redis, keys: RedisKeys): Promise<string> {
    // Several aggregators may notice at once: the first marker written wins and all adopt it.
    // Epochs sort by creation time, so the Lua script can tell state older than the caller's epoch from newer.
    await redis.set(keys.aggregatorEpoch(), `${Date.now().toString(36).padStart(10, '0')}-${randomUUID().slice(0, 8)}`, 'NX');
    return (await redis.get(keys.aggregatorEpoch())) as string;
  }

  /** observe takes the marker as last read from Redis; it returns true when the epoch changed (Redis lost its state). */
  async observe(marker: string | null): Promise<boolean> {
    if (marker === this.current) return false;
    this.current = marker ?? (await Epoch.create(this.redis, this.keys));
    return true;
  }

  /** needsReplay says whether a source partition has not been rewound since the epoch began. */
  needsReplay(source: string): boolean {
    return (this.rebuilt.get(source) ?? this.baseline) !== this.current;
  }

  /** replayed records that a source partition was rewound (or needed no rewinding) in the current epoch. */
  replayed(source: string): void {
    this.rebuilt.set(source, this.current);
  }
}
