import type { Side } from '@callwatch/windows';

/** ReplayEpoch is what the coordinator needs of the aggregators' epoch: which partitions this epoch has replayed. */
export interface ReplayEpoch {
  readonly current: string;
  needsReplay(source: string): boolean;
  replayed(source: string): void;
}

/** Rewindable is a side's consumer as the coordinator moves it: the partitions it owns, and a seek. */
export interface Rewindable {
  assignment(): ReadonlyMap<string, number[]>;
  seek(topic: string, partition: number, offset: string): void;
}

/** ReplayBatch is what the coordinator needs of a batch: where it comes from and starts, and whether a seek moved it. */
export interface ReplayBatch {
  topic: string;
  partition: number;
  firstOffset: string;
  moved(): boolean;
}

/** ReplayDeps are the coordinator's collaborators. */
export interface ReplayDeps {
  epoch: ReplayEpoch;
  /** a side's consumer, once it runs */
  consumerOf(side: Side): Rewindable | undefined;
  /** the offset to replay each partition of a topic from (the oldest still needed), looked up once per epoch and topic */
  replayOffsets(side: Side, topic: string): Promise<Map<number, number>>;
  /** called for every partition marked replayed in this epoch */
  onReplayed(source: string): void;
  /** called with the partitions a replay sought, and where to */
  onRewound(side: Side, rewound: Record<string, number>): void;
}

/**
 * ReplayCoordinator rebuilds the aggregator's state after Redis lost it (a new epoch): every partition of every side
 * is read again, once per epoch, from the oldest offset still needed. A side's replays run one after another, so a
 * partition is sought, and reported, once. A batch that waits for its side's replay and starts where the replay
 * would is the replay's first batch (at start-up, every partition's first): it goes on without a seek, which would
 * have thrown it away and fetched it again.
 */
export class ReplayCoordinator {
  private readonly targets = new Map<string, Promise<Map<number, number>>>();
  // Batches waiting for their side's replay, by source: the offset each starts at.
  private readonly waiting = new Map<string, number>();
  private readonly replaying = new Map<Side, Promise<unknown>>();

  constructor(private readonly deps: ReplayDeps) {}

  /**
   * replayAll rewinds every partition of `assignment` that this epoch has not replayed (partitions without new traffic
   * need their state back too), after the side's replays already under way; it answers the partitions it sought.
   */
  replayAll(side: Side, assignment: ReadonlyMap<string, number[]>): Promise<Set<string>> {
    const run = (this.replaying.get(side) ?? Promise.resolve()).catch(() => undefined).then(() => this.rewind(side, assignment));
    this.replaying.set(side, run);
    return run;
  }

  /** replayEverySide replays every partition of every side but `except` (which replays its own with its batch). */
  async replayEverySide(sides: readonly Side[], except: Side): Promise<void> {
    for (const side of sides) {
      const consumer = this.deps.consumerOf(side);
      if (side !== except && consumer) await this.replayAll(side, consumer.assignment());
    }
  }

  /**
   * replayBatch replays the batch's side if its partition has not been replayed in this epoch, and answers whether
   * the batch's partition moved: then nothing of the batch may take effect (the replay brings its events again). A
   * batch `inHand` (not yet counted) that starts where the replay would is not moved.
   */
  async replayBatch(side: Side, batch: ReplayBatch, inHand: boolean): Promise<boolean> {
    const source = `${batch.topic}/${batch.partition}`;
    if (!this.deps.epoch.needsReplay(source)) return false;
    // The side's other partitions too: one that had no batch since the loss needs its state back as well.
    const assignment = new Map(this.deps.consumerOf(side)?.assignment() ?? []);
    assignment.set(batch.topic, [...new Set([...(assignment.get(batch.topic) ?? []), batch.partition])]);
    if (inHand) this.waiting.set(source, Number(batch.firstOffset));
    try {
      // Moved by an earlier replay of this side, which came before this batch said it was waiting.
      return (await this.replayAll(side, assignment)).has(source) || batch.moved();
    } finally {
      this.waiting.delete(source);
    }
  }

  private async rewind(side: Side, assignment: ReadonlyMap<string, number[]>): Promise<Set<string>> {
    const consumer = this.deps.consumerOf(side);
    // A group that joined before its consumer was registered is caught up once all consumers run.
    if (!consumer) return new Set();
    const rewound: Record<string, number> = {};
    for (const [topic, partitions] of assignment) {
      for (const partition of partitions) {
        const source = `${topic}/${partition}`;
        if (!this.deps.epoch.needsReplay(source)) continue;
        const target = (await this.offsets(side, topic)).get(partition) ?? 0;
        // A batch waiting for this replay that starts at the target goes on; any other batch of the partition is moved.
        if (this.waiting.get(source) !== target) {
          consumer.seek(topic, partition, String(target));
          rewound[source] = target;
        }
        this.deps.epoch.replayed(source);
        this.deps.onReplayed(source);
      }
    }
    if (Object.keys(rewound).length > 0) this.deps.onRewound(side, rewound);
    return new Set(Object.keys(rewound));
  }

  // One lookup per epoch and topic; a lookup that failed (its retries spent) is made again by the next replay.
  private offsets(side: Side, topic: string): Promise<Map<number, number>> {
    const key = `${this.deps.epoch.current}|${topic}`;
    let targets = this.targets.get(key);
    if (!targets) {
      this.targets.set(key, (targets = this.deps.replayOffsets(side, topic)));
      targets.catch(() => this.targets.delete(key));
    }
    return targets;
  }
}
