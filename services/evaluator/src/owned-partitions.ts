import { DeadlineQueue } from '@callwatch/rules';
import type { PartitionTime } from '@callwatch/redis';

/** OwnedPartition is what the evaluator keeps in memory of one metric partition it owns: its deadline index and its clock. */
export interface OwnedPartition {
  /** each entity's earliest alert deadline, as the partition's index in Redis holds it */
  deadlines: DeadlineQueue;
  time: PartitionTime;
}

/**
 * OwnedPartitions keeps the deadline index and clock of the metric partitions this evaluator owns, read from Redis
 * when a partition is first used after an assignment, and runs each partition's steps one after another (a batch of
 * snapshots, or a step the wall clock drives), so that two steps never judge one entity at once.
 */
export class OwnedPartitions {
  private readonly loaded = new Map<number, OwnedPartition>();
  private readonly tails = new Map<number, Promise<unknown>>();
  private assignedNow = new Set<number>();

  constructor(private readonly load: (partition: number) => Promise<{ deadlines: Array<[string, number]>; time: PartitionTime }>) {}

  /**
   * assign takes the partitions the group gave this evaluator; every partition is read from Redis again at its next
   * step (another evaluator may have judged it meanwhile), after the steps already queued.
   */
  assign(partitions: Iterable<number>): void {
    this.assignedNow = new Set(partitions);
    this.loaded.clear();
  }

  /** assigned lists the partitions owned now: the ones the wall clock may drive. */
  assigned(): ReadonlySet<number> {
    return this.assignedNow;
  }

  /** peek is a partition's state as loaded, or undefined before its first step since the last assignment. */
  peek(partition: number): OwnedPartition | undefined {
    return this.loaded.get(partition);
  }

  /** run queues a step of a partition after its steps already queued, loading the partition first if needed. */
  run<T>(partition: number, step: (owned: OwnedPartition) => Promise<T>): Promise<T> {
    const next = (this.tails.get(partition) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        let owned = this.loaded.get(partition);
        if (!owned) {
          const { deadlines, time } = await this.load(partition);
          owned = { deadlines: new DeadlineQueue(), time };
          for (const [entity, ms] of deadlines) owned.deadlines.set(entity, ms);
          this.loaded.set(partition, owned);
        }
        return step(owned);
      });
    this.tails.set(partition, next);
    return next;
  }

  /** pending is how many entities have a deadline, over the partitions loaded. */
  pending(): number {
    let n = 0;
    for (const owned of this.loaded.values()) n += owned.deadlines.size;
    return n;
  }
}
