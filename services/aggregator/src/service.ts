import { Counter } from 'prom-client';
import { entityKey, loadConfig, type ConfigOf } from '@callwatch/core';
import { startBatchConsumer, startRuntime, type BatchConsumer, type Runtime } from '@callwatch/kafka';
import { RedisKeys, createRedis, type Redis } from '@callwatch/redis';
import type { MetricSnapshot } from '@callwatch/schemas';
import { AGGREGATOR_ENV } from './config';
import { preAggregate, type EntityOf, type PositionedCdr } from './pre-aggregate';
import { validateCdr } from './validate-cdr';
import { WindowStore } from './window-store';
import { bucketSizeMs } from './windows';

/** AggregatorConfig is the parsed AGGREGATOR_ENV. */
export type AggregatorConfig = ConfigOf<typeof AGGREGATOR_ENV>;

/** Aggregator is a running aggregator: CDRs in, windows per customer and per carrier in Redis, metric snapshots out. */
export interface Aggregator {
  runtime: Runtime;
  stop(): Promise<void>;
}

/** startAggregator wires the aggregator from its configuration (the environment by default). */
export async function startAggregator(config: AggregatorConfig = loadConfig(AGGREGATOR_ENV)): Promise<Aggregator> {
  config.AGGREGATOR_PERIODS.forEach(bucketSizeMs); // a bad period stops the process here, not mid-batch
  const runtime = await startRuntime('aggregator', config, ['cdr', 'cdrByCarrier', 'metric']);
  const { log, topics, publisher, health } = runtime;
  const redis: Redis = createRedis(config.REDIS_URL, { name: 'callwatch-aggregator' });
  // Ids are remembered as long as an event with that id could still land in a window.
  const idRetentionMs = Math.max(...config.AGGREGATOR_PERIODS) + config.AGGREGATOR_LATENESS_MS;
  const store = new WindowStore(redis, new RedisKeys(config.REDIS_KEY_PREFIX), idRetentionMs);
  const counted = new Counter({ name: 'callwatch_aggregator_events_total', help: 'CDRs applied to windows', registers: [health.registry] });
  const skipped = new Counter({ name: 'callwatch_aggregator_skipped_total', help: 'CDRs not counted: redelivered (offset already applied), duplicate id, or late', labelNames: ['reason'], registers: [health.registry] });
  const dead = new Counter({ name: 'callwatch_dead_letters_total', help: 'messages sent to a dead-letter topic', labelNames: ['topic', 'code'], registers: [health.registry] });
  const roundTrips = new Counter({ name: 'callwatch_aggregator_redis_round_trips_total', help: 'pipelined Redis round trips (two per batch and side)', registers: [health.registry] });
  health.addCheck('redis', () => redis.status === 'ready');

  /** applyCdrs counts valid CDRs of one source partition for the entities `entityOf` names and publishes their snapshots. */
  const applyCdrs = async (source: string, valid: PositionedCdr[], entityOf: EntityOf): Promise<void> => {
    const idsByEntity = new Map<string, string[]>();
    for (const { cdr } of valid) {
      const entity = entityOf(cdr);
      const ids = idsByEntity.get(entity);
      if (ids) ids.push(cdr.cdr_id);
      else idsByEntity.set(entity, [cdr.cdr_id]);
    }
    const positions = await store.positions(source, idsByEntity);
    roundTrips.inc();
    const deltas = [...preAggregate(valid, config.AGGREGATOR_PERIODS, positions, config.AGGREGATOR_LATENESS_MS, entityOf).values()];
    if (deltas.length === 0) return;
    const results = await store.apply(source, deltas, config.AGGREGATOR_PERIODS);
    roundTrips.inc();
    const sum = (pick: (d: (typeof deltas)[number]) => number) => deltas.reduce((n, d) => n + pick(d), 0);
    counted.inc(sum((d) => d.events));
    skipped.inc({ reason: 'late' }, sum((d) => d.late));
    skipped.inc({ reason: 'duplicate' }, sum((d) => d.duplicates));
    skipped.inc({ reason: 'redelivered' }, valid.length - sum((d) => d.events + d.late + d.duplicates));
    const snapshots = results.map(({ entity, clockMs, windows, late }) => ({
      key: entity,
      value: { entity, at_ms: clockMs, windows, channels: null, balance: null, late } satisfies MetricSnapshot,
    }));
    await publisher.publish(topics.metric, 'metric', snapshots);
  };

  // Customer side: switches key CDRs by customer. Every valid CDR with a carrier is also re-published keyed by
  // its carrier, so the carrier's partition has one writer too (a Kafka Streams-style repartition topic). It is
  // re-published on redelivery as well: the carrier side drops the copy by cdr_id, while skipping it could lose it.
  const customers: BatchConsumer = await startBatchConsumer({
    kafka: runtime.kafka,
    codec: runtime.codec,
    publisher,
    log,
    groupId: config.AGGREGATOR_GROUP_ID,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    topic: topics.cdr,
    schema: 'cdr',
    onDeadLetter: (count, code) => dead.inc({ topic: topics.cdr, code }, count),
    handle: async (batch) => {
      const valid: PositionedCdr[] = [];
      for (const message of batch.messages) {
        const problem = validateCdr(message.value);
        if (problem) batch.reject(message, problem);
        else valid.push({ offset: Number(message.offset), cdr: message.value });
      }
      if (valid.length === 0) return;
      const byCarrier = valid.filter(({ cdr }) => cdr.carrier_id !== null);
      await publisher.publish(topics.cdrByCarrier, 'cdr', byCarrier.map(({ cdr }) => ({ key: entityKey('carrier', cdr.carrier_id as string), value: cdr })));
      await applyCdrs(`${batch.topic}/${batch.partition}`, valid, (cdr) => entityKey('customer', cdr.customer_id));
    },
  });

  // Carrier side: the same counting over the repartitioned copies.
  const carriers: BatchConsumer = await startBatchConsumer({
    kafka: runtime.kafka,
    codec: runtime.codec,
    publisher,
    log,
    groupId: `${config.AGGREGATOR_GROUP_ID}-carrier`,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    topic: topics.cdrByCarrier,
    schema: 'cdr',
    deadLetter: false,
    handle: async (batch) => {
      const valid = batch.messages.map((m) => ({ offset: Number(m.offset), cdr: m.value }));
      await applyCdrs(`${batch.topic}/${batch.partition}`, valid, (cdr) => entityKey('carrier', cdr.carrier_id as string));
    },
  });
  log.info({ topic: topics.cdr, periods: config.AGGREGATOR_PERIODS }, 'aggregator running');

  return {
    runtime,
    stop: async () => {
      await Promise.all([customers.stop(), carriers.stop()]);
      await runtime.close();
      redis.disconnect();
    },
  };
}
