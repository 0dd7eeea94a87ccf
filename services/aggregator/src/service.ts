import { Counter } from 'prom-client';
import { entityKey, loadConfig, type ConfigOf } from '@callwatch/core';
import {
  CompactedTable, replayOffsets, startBatchConsumer, startRuntime, type Batch, type BatchConsumer, type Runtime,
  type TopicNames,
} from '@callwatch/kafka';
import { Epoch, RedisKeys, WindowStore, createRedis, type Redis } from '@callwatch/redis';
import type { MetricSnapshot, SchemaName, SchemaTypes } from '@callwatch/schemas';
import {
  bucketSizeMs, dedupId, entityOf, keptPeriods, preAggregate, validateEvent, type EntityMetrics, type InputEvent,
  type PositionedEvent, type Side,
} from '@callwatch/windows';
import { AGGREGATOR_ENV } from './config';

/** AggregatorConfig is the parsed AGGREGATOR_ENV. */
export type AggregatorConfig = ConfigOf<typeof AGGREGATOR_ENV>;

/** Aggregator is a running aggregator: events in, windows, call starts and balances per entity in Redis, metric snapshots out. */
export interface Aggregator {
  runtime: Runtime;
  stop(): Promise<void>;
}

type Input = 'cdr' | 'call_start' | 'payment' | 'account';

/** SIDES lists each consumer group of the aggregator: the topics it reads, and which entity of an event it counts for. */
const SIDES: Record<Side, { suffix: string; topics: Array<[keyof TopicNames, Input]> }> = {
  customer: { suffix: '', topics: [['cdr', 'cdr'], ['callStart', 'call_start']] },
  carrier: { suffix: '-carrier', topics: [['cdrByCarrier', 'cdr'], ['callStartByCarrier', 'call_start']] },
  billing: { suffix: '-billing', topics: [['payment', 'payment'], ['account', 'account']] },
};

/** startAggregator wires the aggregator from its configuration (the environment by default). */
export async function startAggregator(config: AggregatorConfig = loadConfig(AGGREGATOR_ENV)): Promise<Aggregator> {
  config.AGGREGATOR_PERIODS.forEach(bucketSizeMs); // a bad period stops the process here, not mid-batch
  const roles = Object.values(SIDES).flatMap((s) => s.topics.map(([role]) => role));
  const runtime = await startRuntime('aggregator', config, [...roles, 'metric', 'rule']);
  const { log, topics, publisher, health } = runtime;
  const redis: Redis = createRedis(config.REDIS_URL, { name: 'callwatch-aggregator' });
  const keys = new RedisKeys(config.REDIS_KEY_PREFIX);
  // Windows are kept for the configured periods and for every period a rule uses: the rules are read before any
  // event, so a restart keeps counting into the windows its rules need.
  const rules = new CompactedTable({ ...runtime, log, topic: topics.rule, schema: 'rule', groupPrefix: `${config.AGGREGATOR_GROUP_ID}-rules` });
  const [epoch] = await Promise.all([Epoch.start(redis, keys), rules.start()]);
  const periodsOfRules = () => keptPeriods(config.AGGREGATOR_PERIODS, [...rules.values()].map((r) => r.sample_period_ms));
  let periodsMs = periodsOfRules();
  // Ids are remembered as long as an event with that id could still land in a window.
  const idRetentionMs = () => Math.max(...periodsMs) + config.AGGREGATOR_LATENESS_MS;
  const store = new WindowStore(redis, keys, { periodsMs, idRetentionMs: idRetentionMs(), maxCallMs: config.AGGREGATOR_MAX_CALL_MS, accountLatenessMs: config.AGGREGATOR_ACCOUNT_LATENESS_MS });
  rules.onChange(() => {
    const now = periodsOfRules();
    if (now.join() === periodsMs.join()) return;
    log.info({ periods: now, was: periodsMs }, 'the sample periods kept changed with the rules: new windows fill from now on, dropped ones are deleted');
    periodsMs = now;
    store.setPeriods(periodsMs, idRetentionMs());
  });
  // By default, replay what ids are remembered for: everything that could still be in a window.
  const replayMs = () => config.AGGREGATOR_REPLAY_MS || idRetentionMs();
  const counted = new Counter({ name: 'callwatch_aggregator_events_total', help: 'events applied (CDRs, call starts, payments, account snapshots)', labelNames: ['side'], registers: [health.registry] });
  const skipped = new Counter({ name: 'callwatch_aggregator_skipped_total', help: 'events not counted: redelivered (offset already applied), duplicate id, or late', labelNames: ['reason'], registers: [health.registry] });
  const dead = new Counter({ name: 'callwatch_dead_letters_total', help: 'messages sent to a dead-letter topic', labelNames: ['topic', 'code'], registers: [health.registry] });
  const roundTrips = new Counter({ name: 'callwatch_aggregator_redis_round_trips_total', help: 'pipelined Redis round trips (two per batch, two per tick)', registers: [health.registry] });
  const ticked = new Counter({ name: 'callwatch_aggregator_ticks_total', help: 'entities whose windows slid because time passed', registers: [health.registry] });
  const replays = new Counter({ name: 'callwatch_aggregator_replays_total', help: 'partitions rewound to rebuild state after Redis lost it', registers: [health.registry] });
  health.addCheck('redis', () => redis.status === 'ready');

  // The newest event time seen per side and partition: the clock that slides idle entities' windows.
  const clocks = new Map<string, { side: Side; partition: number; clockMs: number }>();
  const consumers = new Map<Side, BatchConsumer>();
  const replayTargets = new Map<string, Promise<Map<number, number>>>();

  const publishSnapshots = async (metrics: EntityMetrics[]) => {
    const snapshots = metrics.map(({ entity, clockMs, windows, channels, balance, late, version }) => ({
      key: entity,
      value: { entity, at_ms: clockMs, windows, channels, balance, late, version } satisfies MetricSnapshot,
    }));
    await publisher.publish(topics.metric, 'metric', snapshots);
  };

  const targetsOf = (side: Side, topic: string): Promise<Map<number, number>> => {
    const key = `${epoch.current}|${topic}`;
    let targets = replayTargets.get(key);
    if (!targets) {
      replayTargets.set(key, (targets = replayOffsets(runtime.kafka, topic, side === 'billing' ? null : Date.now() - replayMs())));
      // A lookup that failed (its retries spent) is made again by the next replay that needs it, not remembered.
      targets.catch(() => replayTargets.delete(key));
    }
    return targets;
  };

  // Batches waiting at the start of `count` for their side's replay, by source: the offset each starts at. A partition
  // whose batch starts where its replay would needs no seek: the batch is the replay's first (at start-up, every
  // partition's first batch, which a seek would have thrown away).
  const waiting = new Map<string, number>();

  // Each side's replays run one after another: a partition is marked replayed only once it was sought, so a replay
  // that came second finds it done, and seeks and reports nothing twice.
  const replaying = new Map<Side, Promise<unknown>>();

  /**
   * replayAll rewinds every partition a side owns that has not been replayed in this epoch to the oldest offset
   * still needed (Redis lost its state): partitions without new traffic need their state back too. It returns
   * the partitions it rewound.
   */
  const replayAll = (side: Side, assignment: ReadonlyMap<string, number[]>): Promise<Set<string>> => {
    const run = (replaying.get(side) ?? Promise.resolve()).catch(() => undefined).then(() => rewind(side, assignment));
    replaying.set(side, run);
    return run;
  };

  const rewind = async (side: Side, assignment: ReadonlyMap<string, number[]>): Promise<Set<string>> => {
    const consumer = consumers.get(side);
    const rewound: Record<string, number> = {};
    // A group joined before its consumer was registered is caught up once all consumers run.
    if (!consumer) return new Set();
    for (const [topic, partitions] of assignment) {
      for (const partition of partitions) {
        const source = `${topic}/${partition}`;
        if (!epoch.needsReplay(source)) continue;
        const target = (await targetsOf(side, topic)).get(partition) ?? 0;
        // A batch waiting in `count` that starts at the target goes on; any other batch of the partition is moved.
        if (waiting.get(source) !== target) {
          consumer.seek(topic, partition, String(target));
          rewound[source] = target;
        }
        epoch.replayed(source);
        replays.inc();
      }
    }
    if (Object.keys(rewound).length > 0) log.warn({ side, rewound, epoch: epoch.current }, 'Redis holds no state of these partitions (no epoch marker): replaying them from these offsets');
    return new Set(Object.keys(rewound));
  };

  /**
   * replayBatch replays a side's partitions if the batch's has not been in this epoch; true when the batch's partition
   * moved. A batch `inHand` (not yet counted) that starts where the replay would goes on without a seek.
   */
  const replayBatch = async (side: Side, batch: Batch<unknown>, source: string, inHand: boolean): Promise<boolean> => {
    if (!epoch.needsReplay(source)) return false;
    // This side's other partitions too: one that had no batch since the loss needs its state back as well.
    const assignment = new Map((consumers.get(side) as BatchConsumer).assignment());
    assignment.set(batch.topic, [...new Set([...(assignment.get(batch.topic) ?? []), batch.partition])]);
    if (inHand) waiting.set(source, Number(batch.firstOffset));
    try {
      // Moved by an earlier replay of this side, which came before this batch said it was waiting.
      return (await replayAll(side, assignment)).has(source) || batch.moved();
    } finally {
      waiting.delete(source);
    }
  };

  /** count applies one batch of valid events of a source partition and publishes the touched entities' snapshots. */
  const count = async (side: Side, batch: Batch<unknown>, events: PositionedEvent[]): Promise<void> => {
    const source = `${batch.topic}/${batch.partition}`;
    if (await replayBatch(side, batch, source, true)) return;
    if (events.length === 0) return;
    const idsByEntity = new Map<string, string[]>();
    for (const { event } of events) {
      const entity = entityOf(side, event);
      if (entity === null) continue;
      const id = dedupId(event);
      const ids = idsByEntity.get(entity) ?? [];
      if (id !== null) ids.push(id);
      idsByEntity.set(entity, ids);
    }
    // Written with the epoch this batch started in: if another side notices a Redis loss meanwhile and rewinds this
    // partition, the replay drops what this batch wrote rather than taking its offsets as already applied.
    const batchEpoch = epoch.current;
    const read = await store.positions(source, idsByEntity, batchEpoch, epoch.markers());
    roundTrips.inc();
    if (await epoch.observe(read.markers, batchEpoch)) {
      log.warn({ found: read.markers, epoch: epoch.current, was: batchEpoch }, 'the epoch marker in Redis changed: Redis lost its state (on a Cluster, a primary lost its part), or another aggregator noticed first');
      // Every partition of every side is read again from the oldest offset still needed, this batch's included:
      // nothing of a batch that found Redis without its state is applied.
      for (const [other, consumer] of consumers) if (other !== side) await replayAll(other, consumer.assignment());
      await replayBatch(side, batch, source, false);
      return;
    }
    const deltas = [...preAggregate(events, { side, periodsMs, latenessMs: config.AGGREGATOR_LATENESS_MS, positions: read.entities }).values()];
    if (deltas.length === 0) return;
    // A replay of this side sought the partition while this batch was on its way (fetched before the seek): the
    // seek brings its events again, and counting them now would put this partition's offset in Redis past events
    // the replay has yet to bring.
    if (batch.moved()) return;
    const metrics = await store.apply(source, deltas, batchEpoch);
    roundTrips.inc();
    log.debug({ source, from: events[0]?.offset, to: events[events.length - 1]?.offset, epoch: batchEpoch, entities: deltas.length, applied: metrics.filter((m) => m.applied).length }, 'batch applied');
    const sum = (pick: (d: (typeof deltas)[number]) => number) => deltas.reduce((n, d) => n + pick(d), 0);
    counted.inc({ side }, sum((d) => d.events));
    skipped.inc({ reason: 'late' }, sum((d) => d.late));
    skipped.inc({ reason: 'duplicate' }, sum((d) => d.duplicates));
    skipped.inc({ reason: 'redelivered' }, events.length - sum((d) => d.events + d.late + d.duplicates));
    if (side !== 'billing') {
      store.queueDue(side, batch.partition, metrics);
      const newest = Math.max(...deltas.map((d) => d.maxEventMs));
      const clock = clocks.get(`${side}:${batch.partition}`);
      if (!clock) clocks.set(`${side}:${batch.partition}`, { side, partition: batch.partition, clockMs: newest });
      else clock.clockMs = Math.max(clock.clockMs, newest);
    }
    await publishSnapshots(metrics);
  };

  // Every valid CDR and call start with a carrier is re-published keyed by its carrier, so the carrier's partition has
  // one writer too (a Kafka Streams-style repartition topic). Also on redelivery: the carrier side drops the copy by its id.
  // The bytes go on as they came (same schema id, no re-encoding): the carrier side decodes them like the customer side did.
  const repartition = async (topic: string, events: PositionedEvent[]) => {
    const copies: Array<{ key: string; value: Buffer; headers: Record<string, string> }> = [];
    for (const { event, bytes } of events) {
      const carrier = event.type === 'cdr' || event.type === 'call_start' ? event.carrier_id : null;
      if (carrier !== null && bytes) copies.push({ key: entityKey('carrier', carrier), value: bytes, headers: {} });
    }
    await publisher.publishRaw(topic, copies);
  };

  // The three groups join at once: one after another, their joins were most of the start-up.
  await Promise.all((Object.entries(SIDES) as Array<[Side, (typeof SIDES)[Side]]>).map(async ([side, { suffix, topics: inputs }]) => {
    const typeOf = new Map(inputs.map(([role, type]) => [topics[role], type]));
    const [first, ...more] = inputs.map(([role, type]) => ({ topic: topics[role], schema: type as SchemaName }));
    consumers.set(side, await startBatchConsumer({
      kafka: runtime.kafka,
      codec: runtime.codec,
      publisher,
      log,
      registry: health.registry,
      groupId: `${config.AGGREGATOR_GROUP_ID}${suffix}`,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      partitionsConcurrently: config.AGGREGATOR_PARTITIONS_CONCURRENTLY,
      maxBytesPerPartition: config.AGGREGATOR_FETCH_BYTES,
      topic: first!.topic,
      schema: first!.schema,
      alsoTopics: more,
      // The repartitioned topics were validated on the customer side.
      deadLetter: side !== 'carrier',
      onDeadLetter: (n, code, topic) => dead.inc({ topic, code }, n),
      // After a Redis loss, partitions assigned to this instance are replayed as soon as it gets them.
      onAssigned: (assignment) => void replayAll(side, assignment).catch((err: unknown) => log.error({ err }, 'replay failed')),
      handle: async (batch: Batch<SchemaTypes[SchemaName]>) => {
        const type = typeOf.get(batch.topic) as Input;
        const valid: PositionedEvent[] = [];
        for (const message of batch.messages) {
          // Tagged in place: a copy of every decoded event was a fifth of what the aggregator allocated.
          const event = message.value as InputEvent;
          event.type = type;
          const problem = side === 'carrier' ? null : validateEvent(event);
          if (problem) batch.reject(message, problem);
          else valid.push({ offset: Number(message.offset), event, bytes: message.bytes });
        }
        if (side !== 'customer') return count(side, batch as Batch<unknown>, valid);
        // The carrier copies are produced while the batch is counted: the batch is done, and committed, once both
        // are (a failure of either retries it: the offsets in Redis skip what was counted, the carrier side drops
        // copies it has by id). Both finish before a retry can start, so a partition is never counted twice at once.
        const done = await Promise.allSettled([repartition(type === 'cdr' ? topics.cdrByCarrier : topics.callStartByCarrier, valid), count(side, batch as Batch<unknown>, valid)]);
        for (const result of done) if (result.status === 'rejected') throw result.reason;
      },
    }));
  }));

  // Groups that joined before their consumer was registered are caught up in the background: each batch waits for
  // its own side's replay anyway, and the replay offsets come from Kafka's admin API, slow while batches pour in.
  for (const [side, consumer] of consumers) void replayAll(side, consumer.assignment()).catch((err: unknown) => log.error({ err, side }, 'replay failed'));

  // Time-driven snapshots: entities without new events whose windows change as the partition's clock passes.
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void (async () => {
      for (const { side, partition, clockMs: newest } of clocks.values()) {
        // A switch whose clock runs far ahead must not empty every window of its partition.
        const clockMs = Math.min(newest, Date.now() + config.AGGREGATOR_LATENESS_MS);
        const due = await store.dueEntities(side, partition, clockMs);
        if (due.length === 0) continue;
        const metrics = await store.tick(due, clockMs, epoch.current);
        roundTrips.inc(2);
        ticked.inc(metrics.length);
        store.queueDue(side, partition, metrics);
        await publishSnapshots(metrics);
      }
    })()
      .catch((err: unknown) => log.error({ err }, 'tick failed; retrying at the next tick'))
      .finally(() => (ticking = false));
  }, config.AGGREGATOR_TICK_MS);
  timer.unref();

  log.info({ periods: periodsMs, epoch: epoch.current }, 'aggregator running');
  return {
    runtime,
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...[...consumers.values()].map((c) => c.stop()), rules.stop()]);
      await runtime.close();
      redis.disconnect();
    },
  };
}
