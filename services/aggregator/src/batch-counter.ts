import type { Logger } from '@callwatch/core';
import type { Batch } from '@callwatch/kafka';
import type { Epoch, WindowStore } from '@callwatch/redis';
import { dedupId, entityOf, preAggregate, type EntityDelta, type EntityMetrics, type EntityPosition, type PositionedEvent, type Side } from '@callwatch/windows';
import type { AggregatorMetrics } from './metrics';
import type { ReplayCoordinator } from './replay-coordinator';
import type { WindowSlides } from './window-slides';

/** CounterDeps are what counting a batch uses. */
export interface CounterDeps {
  store: WindowStore;
  epoch: Epoch;
  replays: ReplayCoordinator;
  slides: WindowSlides;
  metrics: AggregatorMetrics;
  log: Logger;
  /** every side, for a replay of all but the batch's own */
  sides: readonly Side[];
  /** the sample periods kept now (they follow the rules) */
  periodsMs: () => number[];
  latenessMs: number;
  publish: (metrics: EntityMetrics[]) => Promise<void>;
  /** called once a batch's checkpoint is written, before its snapshots and its Kafka commit (tests crash here) */
  afterCheckpoint?: () => void;
}

/**
 * BatchCounter applies one batch of valid events of a side's partition to Redis and publishes the touched entities'
 * snapshots: it waits for the side's replay when Redis lost its state, loads the entities it does not hold yet, folds
 * the events (`preAggregate`) into their windows in memory, and writes what changed with the offsets applied.
 */
export class BatchCounter {
  constructor(private readonly deps: CounterDeps) {}

  /** count counts one batch; nothing of it takes effect when a replay moved its partition meanwhile. */
  async count(side: Side, batch: Batch<unknown>, events: PositionedEvent[]): Promise<void> {
    const { store, epoch, replays, metrics, log } = this.deps;
    if (await replays.replayBatch(side, batch, true)) return;
    if (events.length === 0) return;
    const source = `${batch.topic}/${batch.partition}`;
    // Written with the epoch this batch started in: if another side notices a Redis loss meanwhile and rewinds this
    // partition, the replay drops what this batch wrote rather than taking its offsets as already applied.
    const batchEpoch = epoch.current;
    const ids = idsByEntity(side, events);
    const read = await store.positions(source, ids, batchEpoch, epoch.markers());
    metrics.roundTrips.inc();
    if (await epoch.observe(read.markers, batchEpoch)) {
      log.warn({ found: read.markers, epoch: epoch.current, was: batchEpoch }, 'the epoch marker in Redis changed: Redis lost its state (on a Cluster, a primary lost its part), or another aggregator noticed first');
      // Every partition of every side is read again from the oldest offset still needed, this batch's included:
      // nothing of a batch that found Redis without its state is applied.
      await replays.replayEverySide(this.deps.sides, side);
      await replays.replayBatch(side, batch, false);
      return;
    }
    const fold = (positions: ReadonlyMap<string, EntityPosition>, only?: ReadonlySet<string>) => {
      const mine = only ? events.filter(({ event }) => only.has(entityOf(side, event) as string)) : events;
      return [...preAggregate(mine, { side, periodsMs: this.deps.periodsMs(), latenessMs: this.deps.latenessMs, positions }).values()];
    };
    const deltas = fold(read.entities);
    if (deltas.length === 0) return;
    // A replay of this side sought the partition while this batch was on its way (fetched before the seek): the
    // seek brings its events again, and counting them now would put this partition's offset in Redis past events
    // the replay has yet to bring.
    if (batch.moved()) return;
    // An entity another writer changed meanwhile (its other side, or an instance that had this partition) is folded
    // again from the state it has now.
    const refold = (entities: ReadonlySet<string>) => {
      const mine = new Map([...ids].filter(([entity]) => entities.has(entity)));
      return fold(store.positionsNow(source, mine), entities);
    };
    const applied = await store.apply(source, deltas, batchEpoch, refold);
    this.deps.afterCheckpoint?.();
    metrics.roundTrips.inc();
    log.debug({ source, from: events[0]?.offset, to: events[events.length - 1]?.offset, epoch: batchEpoch, entities: deltas.length, applied: applied.filter((m) => m.applied).length }, 'batch applied');
    this.report(side, events.length, deltas);
    if (side !== 'billing') {
      store.queueDue(side, batch.partition, applied);
      this.deps.slides.observe(side, batch.partition, Math.max(...deltas.map((d) => d.maxEventMs)));
    }
    await this.deps.publish(applied);
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

// The ids of each entity's events in the batch, whose duplicates Redis is asked about.
function idsByEntity(side: Side, events: PositionedEvent[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { event } of events) {
    const entity = entityOf(side, event);
    if (entity === null) continue;
    const id = dedupId(event);
    const ids = out.get(entity) ?? [];
    if (id !== null) ids.push(id);
    out.set(entity, ids);
  }
  return out;
}
