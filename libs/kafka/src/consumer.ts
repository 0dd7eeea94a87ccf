import { PartitionAssigners, type Consumer, type Kafka, type KafkaMessage, type IHeaders } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import { CallwatchError, retry, type Logger } from '@callwatch/core';
import type { SchemaName, SchemaTypes } from '@callwatch/schemas';
import { alignedAssigner } from './aligned-assigner';
import type { Projection, RegistryCodec } from './codec';
import type { Publisher } from './publisher';
import { dlqTopic } from './topics';

/** Received is one decoded message with its position; `value` is null for a tombstone. */
export interface Received<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: T;
  /** the value as it came, Confluent wire format (a service that forwards a message sends these bytes, not a re-encoding) */
  bytes: Buffer | null;
  timestamp: string;
  headers: IHeaders;
}

/** Batch is what a handler receives: the decoded messages of one topic-partition, in offset order. */
export interface Batch<T> {
  topic: string;
  partition: number;
  /** the offset of the batch's first message as fetched, decodable or not: where this batch starts in its partition */
  firstOffset: string;
  /** the offset of the batch's last message as fetched, decodable or not: the batch covers firstOffset..lastOffset */
  lastOffset: string;
  messages: Array<Received<T>>;
  /** Sends a decoded message that fails validation to the dead-letter topic, with its reason. */
  reject(message: Received<T>, reason: string, code?: string): void;
  /** Tells KafkaJS we are alive during long work. */
  heartbeat(): Promise<void>;
  /**
   * Whether this consumer sought the batch's partition since the batch was handed over: its messages come again from
   * where the seek went, so nothing of this batch may take effect.
   */
  moved(): boolean;
}

/** BatchConsumerOptions configures one consumer group over one topic and its schema. */
export interface BatchConsumerOptions<N extends SchemaName> {
  kafka: Kafka;
  codec: RegistryCodec;
  publisher: Publisher;
  log: Logger;
  groupId: string;
  topic: string;
  schema: N;
  /** More topics for the same group and handler (each batch is still one topic-partition). */
  alsoTopics?: Array<{ topic: string; schema: N }>;
  /** Decode these schemas' messages into only some of their fields (`projection`): the handler reads no others. */
  projections?: Partial<Record<N, Projection>>;
  fromBeginning?: boolean;
  maxWaitTimeInMs?: number;
  /** The most bytes one fetch brings of one partition (KafkaJS's default is 1 MiB): larger batches fold more events per entity. */
  maxBytesPerPartition?: number;
  /** How many partitions' batches the handler may work on at once (default 1); each partition's batches stay in order. */
  partitionsConcurrently?: number;
  /** How long the group waits for a silent member before giving its partitions to others. */
  sessionTimeoutMs?: number;
  /**
   * How often the consumer tells the group it is alive (default: a third of the session timeout, at most 3 s); a
   * member learns of a rebalance (a member joining or leaving) at its next one.
   */
  heartbeatMs?: number;
  /**
   * Partitions by number (`alignedAssigner`): partition p of every topic goes to the member ranked p mod n by this
   * key, in every group whose members use the same keys (default: KafkaJS's round robin).
   */
  alignedKey?: string;
  /** Whether to dead-letter undecodable messages (input topics) or only log them (internal topics). */
  deadLetter?: boolean;
  /** Where dead letters go: one topic for all of this group's (default: `<topic>.dlq` of each message's topic). */
  deadLetterTopic?: string;
  /** How many bytes the broker waits for (up to maxWaitTimeInMs) before answering a fetch: larger, fuller batches. */
  minBytes?: number;
  allowTombstones?: boolean;
  handle: (batch: Batch<SchemaTypes[N]>) => Promise<void>;
  /** Called when the group (re)assigns partitions to this consumer: topic -> partitions. */
  onAssigned?: (assignment: ReadonlyMap<string, number[]>) => void;
  /** Called when this consumer learns that its group is rebalancing: its partitions may go to others until `onAssigned`. */
  onRebalancing?: () => void;
  onDeadLetter?: (count: number, code: string, topic: string) => void;
  /** Where to report each partition's lag (callwatch_consumer_lag_messages), as of its last batch. */
  registry?: Registry;
  /**
   * Who commits offsets: the consumer, once the handler finished a batch (the default), or the caller, through
   * `BatchConsumer.commit`, once what the handler did is durable (the aggregator commits after its checkpoint).
   */
  commits?: 'after-handler' | 'by-caller';
}

/** CommittedOffset is the next offset to read of a partition, as a caller commits it. */
export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** LAG_METRIC is the gauge of how many messages a consumer group is behind the end of each partition it owns. */
export const LAG_METRIC = 'callwatch_consumer_lag_messages';

/** lagGauge is the registry's lag gauge, made on first use (several consumers of a process share it). */
function lagGauge(registry: Registry): Gauge<'group' | 'topic' | 'partition'> {
  const existing = registry.getSingleMetric(LAG_METRIC) as Gauge<'group' | 'topic' | 'partition'> | undefined;
  return existing ?? new Gauge({
    name: LAG_METRIC,
    help: 'messages behind the end of the partition, after the group\'s last batch of it (a group that stopped consuming keeps its last figure)',
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
  });
}

/** DLQ_REASON_HEADER is the header that carries why a message was dead-lettered. */
export const DLQ_REASON_HEADER = 'callwatch-dlq-reason';

/** BatchConsumer runs a handler per batch and commits only what the handler finished: at-least-once delivery into the handler. */
export interface BatchConsumer {
  consumer: Consumer;
  /** Moves a partition this consumer owns to `offset`; the next batch starts there. */
  seek(topic: string, partition: number, offset: string): void;
  /** The partitions the group last assigned to this consumer, by topic. */
  assignment(): ReadonlyMap<string, number[]>;
  /** Commits where each partition goes on (for `commits: 'by-caller'`); partitions the group gave to others meanwhile fail it. */
  commit(offsets: CommittedOffset[]): Promise<void>;
  stop(): Promise<void>;
}

// KafkaJS's own answer to these is to rejoin the group at once; any other failure of a batch it retries.
const GROUP_MEMBERSHIP_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/**
 * groupMembershipError finds, in an error or its causes, the KafkaJS error saying this consumer is no longer a member
 * of its group as it was (a rebalance, or a broker that restarted and forgot the group), or returns undefined.
 */
export function groupMembershipError(err: unknown): Error | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (GROUP_MEMBERSHIP_ERRORS.has(String((e as Error & { type?: unknown }).type))) return e;
  }
  return undefined;
}

/**
 * failed wraps a handler's failure as retriable, so KafkaJS retries the batch and then restarts the consumer instead
 * of stopping it. A lost group membership is passed on as KafkaJS raised it: wrapped, KafkaJS would not see it,
 * would retry the batch with a member id the group no longer knows until its retries ran out, and only then restart.
 */
function failed(groupId: string, err: unknown): Error {
  const membership = groupMembershipError(err);
  if (membership !== undefined) return membership;
  if (err instanceof CallwatchError && err.retriable) return err;
  return new CallwatchError('CW_ERR_BATCH_FAILED', `${groupId}: batch failed: ${(err as Error).message}`, { cause: err });
}

/** startBatchConsumer subscribes and runs; decode failures never stop the partition, they go to `<topic>.dlq`. */
export async function startBatchConsumer<N extends SchemaName>(opts: BatchConsumerOptions<N>): Promise<BatchConsumer> {
  const { kafka, codec, publisher, log, topic, schema } = opts;
  const consumer = kafka.consumer({
    groupId: opts.groupId,
    maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 100,
    // Round robin too, so that members of an older version (round robin only) and of this one agree on a protocol.
    ...(opts.alignedKey === undefined ? {} : { partitionAssigners: [alignedAssigner(opts.alignedKey), PartitionAssigners.roundRobin] }),
    ...(opts.minBytes === undefined ? {} : { minBytes: opts.minBytes }),
    ...(opts.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: opts.maxBytesPerPartition, maxBytes: Math.max(10 * 1024 * 1024, 2 * opts.maxBytesPerPartition) }),
    sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: opts.heartbeatMs ?? Math.min(3_000, (opts.sessionTimeoutMs ?? 30_000) / 3),
    // A handler that fails (Redis unreachable, say) leaves its batch uncommitted; rather than stop consuming for
    // good, the consumer restarts from the committed offsets, and the handlers' offset guards make that safe.
    retry: { restartOnFailure: async (err: Error) => {
      log.error({ err, groupId: opts.groupId }, 'consumer failed; restarting it from the committed offsets');
      return true;
    } },
  });
  const byHandler = (opts.commits ?? 'after-handler') === 'after-handler';
  const handleBatch = async (batch: Batch<SchemaTypes[N]>) => {
    try {
      await opts.handle(batch);
    } catch (err) {
      throw failed(opts.groupId, err);
    }
  };
  let assignment = new Map<string, number[]>();
  // KafkaJS fetches ahead: batches fetched before a seek can still arrive after it. `next` is where each partition
  // goes on; `fences` hold, for partitions sought backwards, the position at or beyond which batches are such leftovers.
  const next = new Map<string, bigint>();
  const fences = new Map<string, bigint>();
  // The first offset of each partition's batch in the handler now, and how often each partition was sought.
  const inFlight = new Map<string, bigint>();
  const seeks = new Map<string, number>();
  const lag = opts.registry ? lagGauge(opts.registry) : null;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    // A partition that moved to another member is that member's to report.
    for (const [t, partitions] of assignment) {
      const kept = new Set(payload.memberAssignment[t] ?? []);
      for (const partition of partitions) if (!kept.has(partition)) lag?.remove({ group: opts.groupId, topic: t, partition });
    }
    assignment = new Map(Object.entries(payload.memberAssignment));
    opts.onAssigned?.(assignment);
  });
  consumer.on(consumer.events.REBALANCING, () => opts.onRebalancing?.());
  await consumer.connect();
  const schemas = new Map<string, N>([[topic, schema], ...(opts.alsoTopics ?? []).map((t): [string, N] => [t.topic, t.schema])]);
  // Right after its topics are created, a broker may not list them yet (UNKNOWN_TOPIC_OR_PARTITION, retriable):
  // wait for it rather than fail the service's start.
  await retry(() => consumer.subscribe({ topics: [...schemas.keys()], fromBeginning: opts.fromBeginning ?? true }), {
    retries: 8,
    onRetry: (err, attempt, delayMs) => log.warn({ err, groupId: opts.groupId, attempt, delayMs }, 'subscribing failed; trying again'),
  });
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: opts.partitionsConcurrently ?? 1,
    autoCommit: byHandler,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const key = `${batch.topic}/${batch.partition}`;
      const first = BigInt((batch.messages[0] as KafkaMessage).offset);
      const fence = fences.get(key);
      if (fence !== undefined) {
        if (first >= fence) return; // fetched before the seek: the sought offsets come next
        fences.delete(key);
      }
      inFlight.set(key, first);
      const seeksBefore = seeks.get(key) ?? 0;
      await codec.prefetch(batch.messages.map((m) => m.value));
      const dead: Array<{ message: KafkaMessage; reason: string; code: string }> = [];
      const received: Array<Received<SchemaTypes[N]>> = [];
      // Built on the first rejection only: most batches have none.
      let byOffset: Map<string, KafkaMessage> | null = null;
      // One topic per batch: its schema and projection are looked up once, not per message.
      const name = schemas.get(batch.topic) as N;
      const fields = opts.projections?.[name];
      for (const message of batch.messages) {
        if (message.value === null && opts.allowTombstones) {
          // Only tables (allowTombstones) see null values; their handler checks for it.
          received.push(toReceived(batch.topic, batch.partition, message, null as unknown as SchemaTypes[N]));
          continue;
        }
        try {
          const value = codec.decode(name, message.value, fields);
          received.push(toReceived(batch.topic, batch.partition, message, value));
        } catch (err) {
          const code = err instanceof CallwatchError ? err.code : 'CW_ERR_DECODE';
          dead.push({ message, reason: (err as Error).message, code });
        }
      }
      await handleBatch({
        topic: batch.topic,
        partition: batch.partition,
        firstOffset: String(first),
        lastOffset: (batch.messages[batch.messages.length - 1] as KafkaMessage).offset,
        messages: received,
        reject: (m, reason, code = 'CW_ERR_INVALID_EVENT') => {
          byOffset ??= new Map(batch.messages.map((message): [string, KafkaMessage] => [message.offset, message]));
          const original = byOffset.get(m.offset);
          if (original) dead.push({ message: original, reason, code });
        },
        heartbeat,
        moved: () => (seeks.get(key) ?? 0) !== seeksBefore,
      });
      // The handler moved the partition elsewhere (seek): this batch is read again from there, so nothing of it is final.
      if (isStale()) {
        inFlight.delete(key);
        return;
      }
      if (dead.length > 0) {
        // Decode failures and handler rejections are found in two passes; the dead-letter topic keeps offset order.
        dead.sort((a, b) => Number(BigInt(a.message.offset) - BigInt(b.message.offset)));
        if (opts.deadLetter ?? true) {
          await publisher.publishRaw(
            opts.deadLetterTopic ?? dlqTopic(batch.topic),
            dead.map(({ message, reason, code }) => ({
              key: message.key,
              value: message.value,
              headers: {
                ...message.headers,
                [DLQ_REASON_HEADER]: reason,
                'callwatch-dlq-code': code,
                'callwatch-dlq-source': `${batch.topic}/${batch.partition}@${message.offset}`,
              },
            })),
          );
        }
        for (const { reason, code, message } of dead) log.warn({ topic: batch.topic, partition: batch.partition, offset: message.offset, code }, `dead-lettered: ${reason}`);
        const counts = new Map<string, number>();
        for (const d of dead) counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
        for (const [code, count] of counts) opts.onDeadLetter?.(count, code, batch.topic);
      }
      const last = batch.messages[batch.messages.length - 1] as KafkaMessage;
      next.set(key, BigInt(last.offset) + 1n);
      inFlight.delete(key);
      lag?.set({ group: opts.groupId, topic: batch.topic, partition: batch.partition }, Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1));
      resolveOffset(last.offset);
      if (byHandler) await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  return {
    consumer,
    seek: (t, partition, offset) => {
      const key = `${t}/${partition}`;
      const position = inFlight.get(key) ?? next.get(key);
      if (position !== undefined && BigInt(offset) < position) fences.set(key, position);
      seeks.set(key, (seeks.get(key) ?? 0) + 1);
      consumer.seek({ topic: t, partition, offset });
    },
    assignment: () => assignment,
    commit: (offsets) => consumer.commitOffsets(offsets),
    stop: () => consumer.disconnect(),
  };
}

function toReceived<T>(topic: string, partition: number, message: KafkaMessage, value: T): Received<T> {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString() : null,
    value,
    bytes: message.value,
    timestamp: message.timestamp,
    headers: message.headers ?? {},
  };
}
