import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { loadConfig, startTicker, type ConfigOf, type Logger } from '@callwatch/core';
import { CompactedTable, consume, projection, replayOffsets, startRuntime, type Batch, type BatchConsumer, type Runtime } from '@callwatch/kafka';
import { Epoch, RedisKeys, WindowStore, createRedis } from '@callwatch/redis';
import type { MetricSnapshot, SchemaName } from '@callwatch/schemas';
import { COUNTED_CDR_FIELDS, keptPeriods, type EntityMetrics, type Side } from '@callwatch/windows';
import { BatchCounter } from './batch-counter';
import { Checkpointer } from './checkpointer';
import { AGGREGATOR_ENV, checkSettings } from './config';
import { aggregatorMetrics } from './metrics';
import { ReplayCoordinator } from './replay-coordinator';
import { SIDES, repartition, validEvents, type Input } from './sides';
import { WindowSlides } from './window-slides';

/** AggregatorConfig is the parsed AGGREGATOR_ENV. */
export type AggregatorConfig = ConfigOf<typeof AGGREGATOR_ENV>;

/** Aggregator is a running aggregator: events in, windows, call starts and balances per entity in Redis, metric snapshots out. */
export interface Aggregator {
  runtime: Runtime;
  /** the window store: entities in memory, and what it read and wrote */
  store: WindowStore;
  stop(): Promise<void>;
}

const SIDE_NAMES = Object.keys(SIDES) as Side[];

/**
 * startAggregator wires the aggregator from its configuration (the environment by default): the rules (for the
 * sample periods to keep), the window store, the replay coordinator, the counting of batches, the three sides'
 * consumer groups, and the ticker that slides idle windows. `listen: false` serves no health server (a worker
 * thread of `startAggregators`).
 */
export async function startAggregator(config: AggregatorConfig = loadConfig(AGGREGATOR_ENV), { listen = true }: { listen?: boolean } = {}): Promise<Aggregator> {
  checkSettings(config);
  const roles = Object.values(SIDES).flatMap((s) => s.topics.map(([role]) => role));
  const runtime = await startRuntime('aggregator', config, [...roles, 'metric', 'rule'], { listen });
  const { log, topics, publisher, health } = runtime;
  const redis = createRedis(config, { name: 'callwatch-aggregator', log });
  const keys = new RedisKeys(config.REDIS_KEY_PREFIX);
  health.addCheck('redis', () => redis.status === 'ready');
  const metrics = aggregatorMetrics(health.registry);

  // The rules are read before any event, so that a restart keeps counting into the windows its rules need.
  const rules = new CompactedTable({ ...runtime, log, topic: topics.rule, schema: 'rule', groupPrefix: `${config.AGGREGATOR_GROUP_ID}-rules` });
  const [epoch] = await Promise.all([Epoch.start(redis, keys), rules.start()]);
  const periods = new RulePeriods(config, rules, log);
  const store = new WindowStore(redis, keys, { periodsMs: periods.periodsMs, idRetentionMs: periods.idRetentionMs(), maxCallMs: config.AGGREGATOR_MAX_CALL_MS, accountLatenessMs: config.AGGREGATOR_ACCOUNT_LATENESS_MS, maxEntities: config.AGGREGATOR_MEMORY_ENTITIES });
  periods.onChange(() => store.setPeriods(periods.periodsMs, periods.idRetentionMs()));

  const publish = (changed: EntityMetrics[]) => {
    metrics.inMemory.set(store.entitiesInMemory);
    return publisher.publish(topics.metric, 'metric', changed.map((m) => ({ key: m.entity, value: snapshotOf(m) })));
  };
  const consumers = new Map<Side, BatchConsumer>();
  const replays = new ReplayCoordinator({
    epoch,
    consumerOf: (side) => consumers.get(side),
    // By default, replay everything that could still be in a window. Billing whole.
    replayOffsets: (side, topic) => replayOffsets(runtime.kafka, topic, side === 'billing' ? null : Date.now() - (config.AGGREGATOR_REPLAY_MS || periods.reachMs())),
    onReplayed: () => metrics.replays.inc(),
    onRewound: (side, rewound) => log.warn({ side, rewound, epoch: epoch.current }, 'Redis holds no state of these partitions (no epoch marker): replaying them from these offsets'),
  });
  const slides = new WindowSlides({
    store, publish, epoch: () => epoch.current, aheadMs: config.AGGREGATOR_LATENESS_MS,
    onTicked: (entities) => {
      metrics.roundTrips.inc(2);
      metrics.ticked.inc(entities);
    },
  });
  const checkpoints = new Checkpointer({
    store, slides, log, publish, intervalMs: config.AGGREGATOR_CHECKPOINT_MS,
    commit: async (side, offsets) => consumers.get(side)?.commit(offsets),
    // Only loads call it, and none happens before the first batch.
    refold: (batch, entities) => counter.refold(batch, entities),
    ...failpoint(log),
  });
  const counter = new BatchCounter({
    store, epoch, replays, checkpoints, metrics, log, sides: SIDE_NAMES, periodsMs: () => periods.periodsMs, latenessMs: config.AGGREGATOR_LATENESS_MS,
  });

  // One key per aggregator (host, process, thread, and one of several in a thread), the same in its three groups.
  const memberKey = `${hostname()}/${process.pid}/${threadId}/${randomUUID().slice(0, 8)}`;
  const cdrFields = projection('cdr', COUNTED_CDR_FIELDS);
  const consumeSide = (side: Side): Promise<BatchConsumer> => {
    const inputs = SIDES[side].topics.map(([role, type]) => ({ topic: topics[role], type }));
    const typeOf = new Map(inputs.map(({ topic, type }): [string, Input] => [topic, type]));
    const [first, ...more] = inputs.map(({ topic, type }) => ({ topic, schema: type as SchemaName }));
    return consume(runtime, {
      groupId: `${config.AGGREGATOR_GROUP_ID}${SIDES[side].suffix}`,
      partitionsConcurrently: config.AGGREGATOR_PARTITIONS_CONCURRENTLY,
      // Offsets are committed after the checkpoint that holds their batches, not after the batch.
      commits: 'by-caller',
      // Batches folded and not yet written would be counted by the partition's next owner anyway (the offsets in
      // Redis sort it out), but writing them now spares it the work.
      onRebalancing: () => void checkpoints.checkpoint().catch((err: unknown) => log.warn({ err }, 'checkpoint on rebalance failed')),
      maxBytesPerPartition: config.AGGREGATOR_FETCH_BYTES,
      // Worker threads join their groups at once; a member that joined first learns of the others' joins at its
      // next heartbeat, and until then they wait (3 s by default).
      heartbeatMs: Math.min(500, config.KAFKA_SESSION_TIMEOUT_MS / 3),
      // Partition p of the customer and of the billing side on the same aggregator: a customer's calls and payments
      // fold into one entity in its memory rather than two writers' (the same key in the three groups).
      alignedKey: memberKey,
      topic: first!.topic,
      schema: first!.schema,
      alsoTopics: more,
      // Of a CDR only what windows count: the switch's other fields are skipped, not made into strings (twice per CDR,
      // once per side); the carrier copies go on as the bytes that came.
      projections: { cdr: cdrFields },
      // The repartitioned topics were validated on the customer side.
      deadLetter: side !== 'carrier',
      onDeadLetter: (n, code, topic) => metrics.dead.inc({ topic, code }, n),
      // After a Redis loss, partitions assigned to this instance are replayed as soon as it gets them.
      onAssigned: (assignment) => void replays.replayAll(side, assignment).catch((err: unknown) => log.error({ err }, 'replay failed')),
      handle: async (batch) => {
        const type = typeOf.get(batch.topic) as Input;
        const valid = validEvents(side, type, batch as Batch<unknown>);
        if (side !== 'customer') return counter.count(side, batch as Batch<unknown>, valid);
        // The carrier copies are produced while the batch is counted: the batch is done, and committed, once both
        // are (a failure of either retries it: the offsets in Redis skip what was counted, the carrier side drops
        // copies it has by id). Both finish before a retry can start, so a partition is never counted twice at once.
        const copies = repartition(publisher, type === 'cdr' ? topics.cdrByCarrier : topics.callStartByCarrier, valid);
        const done = await Promise.allSettled([copies, counter.count(side, batch as Batch<unknown>, valid)]);
        for (const result of done) if (result.status === 'rejected') throw result.reason;
      },
    });
  };
  // The three groups join at once: one after another, their joins were most of the start-up.
  await Promise.all(SIDE_NAMES.map(async (side) => consumers.set(side, await consumeSide(side))));
  // Groups that joined before their consumer was registered are caught up in the background: each batch waits for
  // its own side's replay anyway, and the replay offsets come from Kafka's admin API, slow while batches pour in.
  for (const [side, consumer] of consumers) void replays.replayAll(side, consumer.assignment()).catch((err: unknown) => log.error({ err, side }, 'replay failed'));

  // Time-driven snapshots: entities without new events whose windows change as the partition's clock passes.
  const ticker = startTicker(config.AGGREGATOR_TICK_MS, () => slides.slide(), (err) => log.error({ err }, 'tick failed; retrying at the next tick'));
  // Batches folded since the last checkpoint are written when their interval is up, whether or not more come.
  const writer = config.AGGREGATOR_CHECKPOINT_MS > 0
    ? startTicker(config.AGGREGATOR_CHECKPOINT_MS, () => checkpoints.checkpoint(), (err) => log.error({ err }, 'checkpoint failed; retrying at the next interval'))
    : null;
  log.info({ periods: periods.periodsMs, epoch: epoch.current }, 'aggregator running');
  return {
    runtime,
    store,
    stop: async () => {
      await Promise.all([ticker.stop(), writer?.stop()]);
      // What was folded since the last checkpoint is written while the consumers can still commit it.
      await checkpoints.checkpoint().catch((err: unknown) => log.warn({ err }, 'the last checkpoint failed: its batches are read again by the next owner'));
      await checkpoints.committed();
      await Promise.all([...[...consumers.values()].map((c) => c.stop()), rules.stop()]);
      await runtime.close();
      redis.disconnect();
    },
  };
}

/**
 * failpoint reads CALLWATCH_FAILPOINT, a test hook that kills this process with SIGKILL at its n-th checkpoint:
 * `after-checkpoint:<n>` right after it is written, before its snapshots and Kafka commit, so that Kafka redelivers
 * what Redis already has; `before-checkpoint:<n>` before anything of it is written, so that the batches folded since the
 * last checkpoint are lost with the process; `thread-exit-after-checkpoint:<n>` ends the aggregator's thread (exit
 * code 3) right after its n-th checkpoint, so that a worker thread dies alone (test/aggregator/faults.test.ts).
 */
function failpoint(log: Logger): { afterCheckpoint?: () => void; beforeCheckpoint?: () => void } {
  const match = /^(after|before|thread-exit-after)-checkpoint:(\d+)$/.exec(process.env.CALLWATCH_FAILPOINT ?? '');
  if (!match) return {};
  let left = Number(match[2]);
  log.warn({ failpoint: process.env.CALLWATCH_FAILPOINT }, 'CALLWATCH_FAILPOINT is set: this aggregator will kill itself (a test)');
  // In a worker thread, process.exit ends the thread alone, as an uncaught error would.
  const die = match[1] === 'thread-exit-after' ? () => process.exit(3) : () => process.kill(process.pid, 'SIGKILL');
  const hook = () => {
    if (--left === 0) die();
  };
  return match[1] === 'before' ? { beforeCheckpoint: hook } : { afterCheckpoint: hook };
}

function snapshotOf({ entity, clockMs, windows, channels, balance, credit, creditUsed, late, version }: EntityMetrics): MetricSnapshot {
  return { entity, at_ms: clockMs, windows, channels, balance, credit, credit_used: creditUsed, late, version };
}

/**
 * RulePeriods follows the sample periods to keep windows for: AGGREGATOR_PERIODS and every period a rule uses. A new
 * period's windows fill from when it comes; a period no rule uses any more is deleted from each entity at its next call.
 */
class RulePeriods {
  periodsMs: number[];
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly config: AggregatorConfig, private readonly rules: CompactedTable<'rule'>, log: Logger) {
    this.periodsMs = this.current();
    rules.onChange(() => {
      const now = this.current();
      if (now.join() === this.periodsMs.join()) return;
      log.info({ periods: now, was: this.periodsMs }, 'the sample periods kept changed with the rules: new windows fill from now on, dropped ones are deleted');
      this.periodsMs = now;
      for (const listener of this.listeners) listener();
    });
  }

  /** reachMs is how far behind its newest event an event can still land in a window: the longest period plus lateness. */
  reachMs(): number {
    return Math.max(...this.periodsMs) + this.config.AGGREGATOR_LATENESS_MS;
  }

  /** idRetentionMs is how long ids are remembered (the dedup horizon): AGGREGATOR_DEDUP_MS, or as long as `reachMs`. */
  idRetentionMs(): number {
    return this.config.AGGREGATOR_DEDUP_MS || this.reachMs();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private current(): number[] {
    return keptPeriods(this.config.AGGREGATOR_PERIODS, [...this.rules.values()].map((r) => r.sample_period_ms));
  }
}
