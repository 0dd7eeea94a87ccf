import type { Logger } from '@callwatch/core';
import type { Batch } from '@callwatch/kafka';
import type { Epoch, WindowStore } from '@callwatch/redis';
import { entityAt, idsByEntity, preAggregate, type EntityDelta, type EntityPosition, type PositionedEvent, type Side } from '@callwatch/windows';
import type { AggregatorMetrics } from './metrics';
import type { ReplayCoordinator } from './replay-coordinator';
import type { Checkpointer, FoldedBatch } from './checkpointer';

/** CounterDeps are what counting a batch uses. */
export interface CounterDeps {
  store: WindowStore;
  epoch: Epoch;
  replays: ReplayCoordinator;
  checkpoints: Checkpointer;
  metrics: AggregatorMetrics;
  log: Logger;
  /** every side, for a replay of all but the batch's own */
  sides: readonly Side[];
  /** the sample periods kept now (they follow the rules) */
  periodsMs: () => number[];
  latenessMs: number;
}

/**
 * BatchCounter folds one batch of valid events of a side's partition into its entities' windows in memory: it waits
 * for the side's replay when Redis lost its state, loads the entities it does not hold yet, folds the events
 * (`preAggregate`), and hands the batch to the checkpointer, which writes what changed with the offsets applied.
 */
export class BatchCounter {
  constructor(private readonly deps: CounterDeps) {}

  /**
   * count folds one batch and answers once it is checkpointed, or at once while checkpoints wait for their interval;
   * nothing of it takes effect when a replay moved its partition meanwhile.
   */
  async count(side: Side, batch: Batch<unknown>, events: PositionedEvent[]): Promise<void> {
    const { store, epoch, replays, metrics, log, checkpoints } = this.deps;
    if (await replays.replayBatch(side, batch, true)) return;
    if (events.length === 0) return;
    const source = `${batch.topic}/${batch.partition}`;
    // Folded with the epoch this batch started in: if another side notices a Redis loss meanwhile and rewinds this
    // partition, the replay drops what this batch folded rather than taking its offsets as already applied.
    const batchEpoch = epoch.current;
    const ids = idsByEntity(side, events);
    const markers = await store.load(ids.keys(), batchEpoch, epoch.markers());
    metrics.roundTrips.inc();
    if (await epoch.observe(markers, batchEpoch)) {
      log.warn({ found: markers, epoch: epoch.current, was: batchEpoch }, 'the epoch marker in Redis changed: Redis lost its state (on a Cluster, a primary lost its part), or another aggregator noticed first');
      // Every partition of every side is read again from the oldest offset still needed, this batch's included:
      // nothing of a batch that found Redis without its state is applied, nor of those folded and not yet written.
      checkpoints.discard();
      await replays.replayEverySide(this.deps.sides, side);
      await replays.replayBatch(side, batch, false);
      return;
    }
    // Positions as memory holds them now, not as the read found them: a checkpoint may have loaded an entity again
    // meanwhile (another writer had changed it), and the fold below runs in this same turn.
    const deltas = this.deltas(side, events, store.positions(source, ids));
    // A replay of this side sought the partition while this batch was on its way (fetched before the seek): the
    // seek brings its events again, and counting them now would put this partition's offset in Redis past events
    // the replay has yet to bring.
    if (batch.moved()) return;
    // No deltas: every event was applied already (a redelivery after a crash, a rebalance or a failed batch). The batch
    // still goes to the checkpointer: it writes nothing new of these entities, but publishes their snapshots as they
    // stand, which the run that applied them may not have published (it stopped, or publishing failed, after its
    // checkpoint), and commits the batch.
    if (deltas.length > 0) store.fold(source, deltas, batchEpoch);
    this.report(side, events.length, deltas);
    log.debug({ source, from: events[0]?.offset, to: events[events.length - 1]?.offset, epoch: batchEpoch, entities: deltas.length }, 'batch folded');
    const written = checkpoints.folded({
      side, topic: batch.topic, partition: batch.partition, nextOffset: String(BigInt(batch.lastOffset) + 1n), epoch: batchEpoch, events,
      entities: new Set(ids.keys()), newestMs: deltas.reduce((newest, d) => Math.max(newest, d.maxEventMs), 0),
    });
    if (written) await written;
  }

  /** refold folds a batch's events of some entities again, into the state they have now (just loaded from Redis). */
  refold(batch: FoldedBatch, entities: ReadonlySet<string>): void {
    const source = `${batch.topic}/${batch.partition}`;
    const mine = batch.events.filter((positioned) => entities.has(entityAt(batch.side, positioned) as string));
    const ids = idsByEntity(batch.side, mine);
    this.deps.store.fold(source, this.deltas(batch.side, mine, this.deps.store.positions(source, ids)), batch.epoch);
  }

  private deltas(side: Side, events: PositionedEvent[], positions: ReadonlyMap<string, EntityPosition>): EntityDelta[] {
    return [...preAggregate(events, { side, periodsMs: this.deps.periodsMs(), latenessMs: this.deps.latenessMs, positions }).values()];
  }

  private report(side: Side, events: number, deltas: EntityDelta[]): void {
    const { counted, skipped } = this.deps.metrics;
    const sum = (pick: (d: EntityDelta) => number) => deltas.reduce((n, d) => n + pick(d), 0);
    counted.inc({ side }, sum((d) => d.events));
    skipped.inc({ reason: 'late' }, sum((d) => d.late));
    skipped.inc({ reason: 'duplicate' }, sum((d) => d.duplicates));
    skipped.inc({ reason: 'redelivered' }, events - sum((d) => d.events + d.late + d.duplicates));
  }
}
