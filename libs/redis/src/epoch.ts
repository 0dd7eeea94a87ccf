import { randomUUID } from 'node:crypto';
import { nodeTags, pipelined, type PipelinedCommand, type Redis } from './client';
import type { RedisKeys } from './keys';
import { LUA_DIR, loadScripts } from './scripts';

type RenewEpoch = (key: string, found: string, next: string) => Promise<string | null>;

/**
 * Epoch tracks the aggregators' epoch, a marker in Redis that outlives every aggregator but not Redis itself.
 * When the marker is gone (Redis flushed, or restarted without persistence), every aggregator adopts a new
 * epoch and rewinds each partition it consumes to the oldest offset still needed, once per partition; entity
 * state of an older epoch is dropped by the Lua script when the replay reaches it.
 *
 * On a Redis Cluster every primary also keeps a copy of the marker (a key with a hash tag of its slots, see
 * `nodeTags`): a primary that restarts empty loses its entities and its copy, while the marker itself may live on
 * another primary. A copy missing while the marker holds starts a new epoch too. The marker is then replaced only if
 * it still holds the epoch found incomplete, so aggregators that notice at once all adopt the first new epoch.
 */
export class Epoch {
  private rebuilt = new Map<string, string>();

  private constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** the epoch this process found at start: partitions need no replay while it holds */
    private baseline: string,
    public current: string,
  ) {}

  /** start reads the marker, creating it when missing or incomplete (then every partition is replayed before it is counted). */
  static async start(redis: Redis, keys: RedisKeys): Promise<Epoch> {
    loadScripts(redis, LUA_DIR);
    // A first command connects the client: a Cluster client knows its slots, and so the copies, only then.
    await redis.exists(keys.aggregatorEpoch());
    const epoch = new Epoch(redis, keys, '', '');
    const found = await epoch.read();
    const [marker = null] = found;
    if (marker !== null && found.every((m) => m === marker)) {
      epoch.baseline = epoch.current = marker;
    } else {
      epoch.current = await epoch.settle(found, true);
    }
    return epoch;
  }

  /** markers names the keys to read for `observe`: the marker, then its copy on each Cluster primary. */
  markers(): string[] {
    return [this.keys.aggregatorEpoch(), ...nodeTags(this.redis).map((node) => this.keys.aggregatorEpoch(node))];
  }

  /**
   * observe takes the `markers()` as read from Redis by a batch that began in epoch `since`; it returns true when the
   * epoch changed: Redis lost its state (or, on a Cluster, a primary lost its part), or another aggregator noticed first.
   */
  async observe(found: Array<string | null>, since: string): Promise<boolean> {
    // Another batch of this process moved to a new epoch while this one read: what it read may predate that.
    if (since !== this.current) return true;
    if (found.every((m) => m === this.current)) return false;
    // A marker other than ours is another aggregator's new epoch (whose copies may not all be written yet): adopted.
    this.current = await this.settle(found, found[0] === this.current);
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

  private async read(): Promise<Array<string | null>> {
    return (await pipelined(this.redis, this.markers().map((key) => ({ key, queue: (p) => p.get(key) })))) as Array<string | null>;
  }

  /** settle finds the epoch to adopt from markers that are not all the current one, and writes its missing copies. */
  private async settle([marker = null, ...copies]: Array<string | null>, renewIncomplete: boolean): Promise<string> {
    const key = this.keys.aggregatorEpoch();
    let epoch: string;
    if (marker === null) {
      // Several aggregators may notice at once: the first marker written wins and all adopt it.
      await this.redis.set(key, newEpoch(), 'NX');
      epoch = (await this.redis.get(key)) as string;
    } else if (renewIncomplete && copies.some((copy) => copy !== marker)) {
      epoch = (await (this.redis as unknown as { renewEpoch: RenewEpoch }).renewEpoch(key, marker, newEpoch())) ?? marker;
    } else {
      epoch = marker;
    }
    const writes = this.markers().slice(1).map((copy): PipelinedCommand => ({ key: copy, queue: (p) => p.set(copy, epoch) }));
    await pipelined(this.redis, writes);
    return epoch;
  }
}

/** newEpoch names a new epoch. Epochs sort by creation time, so the Lua script can tell state older than the caller's epoch from newer. */
function newEpoch(): string {
  return `${Date.now().toString(36).padStart(10, '0')}-${randomUUID().slice(0, 8)}`;
}
