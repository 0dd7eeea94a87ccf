import type { Logger } from '@callwatch/core';
import type { CommittedOffset } from '@callwatch/kafka';
import type { WindowStore } from '@callwatch/redis';
import type { EntityMetrics, PositionedEvent, Side } from '@callwatch/windows';
import type { WindowSlides } from './window-slides';

/** FoldedBatch is a batch folded into memory and not yet checkpointed: what is needed to fold it again, and to commit it. */
export interface FoldedBatch {
  side: Side;
  topic: string;
  partition: number;
  /** where its partition goes on once the batch is checkpointed: its last offset plus one */
  nextOffset: string;
  epoch: string;
  events: PositionedEvent[];
  /** the entities its events touch */
  entities: ReadonlySet<string>;
  /** its newest event time (the partition's clock for sliding windows) */
  newestMs: number;
}

/** CheckpointerDeps are what checkpointing uses. */
export interface CheckpointerDeps {
  store: WindowStore;
  slides: WindowSlides;
  log: Logger;
  /** how long batches fold in memory before their checkpoint (0: each batch is checkpointed before the next) */
  intervalMs: number;
  publish: (metrics: EntityMetrics[]) => Promise<void>;
  /** commits a side's offsets in Kafka (the consumers commit nothing of their own) */
  commit: (side: Side, offsets: CommittedOffset[]) => Promise<void>;
  /** folds a batch's events of some entities into memory again (after those entities were loaded) */
  refold: (batch: FoldedBatch, entities: ReadonlySet<string>) => void;
  /** called once a checkpoint is written, before its snapshots and its Kafka commit (tests crash here) */
  afterCheckpoint?: () => void;
  /** called as a checkpoint starts, before anything of it is written (tests crash here) */
  beforeCheckpoint?: () => void;
}

/**
 * Checkpointer keeps the batches folded into memory since the last checkpoint and writes them: every interval (or after
 * each batch), what changed in their entities goes to Redis with the offsets applied, then the entities' snapshots are
 * published, then the batches' offsets are committed in Kafka. Memory is always the checkpoint plus these batches: an
 * entity loaded again (dropped, or overtaken by another writer) gets their events folded into it again. A crash loses
 * only what Kafka delivers again, and the offsets in Redis skip what a checkpoint already has.
 */
export class Checkpointer {
  private pending: FoldedBatch[] = [];
  private lane: Promise<void> = Promise.resolve();
  private commits: Promise<void> = Promise.resolve();
  /** how many pending batches touch each entity */
  private readonly touched = new Map<string, number>();
  private lastMs = Date.now();

  constructor(private readonly deps: CheckpointerDeps) {
    deps.store.onLoad((entities) => this.refold(entities));
  }

  /**
   * folded records a batch just folded into memory, and answers the checkpoint that will hold it when the interval is
   * up (after each batch when it is 0); null while the batch waits for a later one.
   */
  folded(batch: FoldedBatch): Promise<void> | null {
    // A batch handed over again (its checkpoint or its snapshots failed, and the consumer retries it) is pending
    // already: kept once, however often a lasting failure retries it.
    const held = this.pending.some((b) => b.side === batch.side && b.topic === batch.topic && b.partition === batch.partition && b.epoch === batch.epoch && covers(b, batch));
    if (!held) {
      this.pending.push(batch);
      for (const entity of batch.entities) this.touched.set(entity, (this.touched.get(entity) ?? 0) + 1);
    }
    return Date.now() - this.lastMs >= this.deps.intervalMs ? this.checkpoint() : null;
  }

  /** checkpoint writes every batch folded so far, after the checkpoint under way if any. */
  checkpoint(): Promise<void> {
    const next = this.lane.catch(() => undefined).then(() => this.write());
    this.lane = next;
    return next;
  }

  /** pendingBatches is how many folded batches wait for their checkpoint. */
  get pendingBatches(): number {
    return this.pending.length;
  }

  /** committed waits for the Kafka commits of the checkpoints written so far. */
  committed(): Promise<void> {
    return this.commits;
  }

  /**
   * discard forgets the batches not yet checkpointed and drops their entities from memory: Redis lost its state and
   * every partition is read again, so none of them may be written.
   */
  discard(): void {
    for (const batch of this.pending) for (const entity of batch.entities) this.deps.store.forget(entity);
    this.pending = [];
    this.touched.clear();
  }

  private async write(): Promise<void> {
    this.lastMs = Date.now();
    if (this.pending.length === 0) return;
    // One epoch at a time (a newer epoch's batches come after a `discard`; one begun before it may still fold).
    const epoch = (this.pending[0] as FoldedBatch).epoch;
    const batches = this.pending.filter((b) => b.epoch === epoch);
    const { store, slides, publish, commit, log } = this.deps;
    this.deps.beforeCheckpoint?.();
    const entities = new Set<string>();
    for (const batch of batches) for (const entity of batch.entities) entities.add(entity);
    const metrics = await store.checkpoint([...entities], epoch);
    this.deps.afterCheckpoint?.();
    const byEntity = new Map(metrics.map((m): [string, EntityMetrics] => [m.entity, m]));
    for (const batch of batches) {
      if (batch.side === 'billing') continue;
      store.queueDue(batch.side, batch.partition, [...batch.entities].flatMap((e) => byEntity.get(e) ?? []));
      slides.observe(batch.side, batch.partition, batch.newestMs);
    }
    await publish(metrics);
    // Batches folded while this checkpoint was written wait for the next.
    const written = new Set(batches);
    this.pending = this.pending.filter((b) => !written.has(b));
    for (const batch of batches) {
      for (const entity of batch.entities) {
        const left = (this.touched.get(entity) ?? 1) - 1;
        if (left > 0) this.touched.set(entity, left);
        else this.touched.delete(entity);
      }
    }
    const offsets = new Map<string, { side: Side; offset: CommittedOffset }>();
    for (const { side, topic, partition, nextOffset } of batches) offsets.set(`${side}|${topic}|${partition}`, { side, offset: { topic, partition, offset: nextOffset } });
    // Committed one checkpoint after another, and awaited by nobody: a commit waits out a rebalance of its group, which
    // waits for the group's handlers to return, which may be waiting for the next checkpoint.
    this.commits = this.commits.then(async () => {
      for (const side of new Set([...offsets.values()].map((o) => o.side))) {
        const mine = [...offsets.values()].filter((o) => o.side === side).map((o) => o.offset);
        // A partition the group gave to another member meanwhile: that member reads it from the last commit, and the
        // offsets in Redis skip what this checkpoint wrote.
        await commit(side, mine).catch((err: unknown) => log.warn({ err, side, offsets: mine }, 'committing offsets after a checkpoint failed; what it wrote is skipped when read again'));
      }
    });
    log.debug({ batches: batches.length, entities: entities.size, snapshots: metrics.length }, 'checkpoint written');
  }

  private refold(entities: string[]): void {
    // Mostly entities no pending batch touched (new ones, or dropped after their last checkpoint).
    const loaded = new Set(entities.filter((e) => this.touched.has(e)));
    if (loaded.size === 0) return;
    for (const batch of this.pending) {
      const mine = new Set([...batch.entities].filter((e) => loaded.has(e)));
      if (mine.size > 0) this.deps.refold(batch, mine);
    }
  }
}

/** covers tells whether batch `a` holds every event of batch `b` (events are in offset order). */
function covers(a: FoldedBatch, b: FoldedBatch): boolean {
  const [aFirst, bFirst] = [a.events[0], b.events[0]];
  const [aLast, bLast] = [a.events[a.events.length - 1], b.events[b.events.length - 1]];
  return aFirst !== undefined && bFirst !== undefined && aLast !== undefined && bLast !== undefined && aFirst.offset <= bFirst.offset && aLast.offset >= bLast.offset;
}
