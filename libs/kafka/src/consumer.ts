import type { Consumer, Kafka, KafkaMessage, IHeaders } from 'kafkajs';
import { CallwatchError, type Logger } from '@callwatch/core';
import type { SchemaName, SchemaTypes } from '@callwatch/schemas';
import type { RegistryCodec } from './codec';
import type { Publisher } from './publisher';
import { dlqTopic } from './topics';

/** Received is one decoded message with its position; `value` is null for a tombstone. */
export interface Received<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: T;
  timestamp: string;
  headers: IHeaders;
}

/** Batch is what a handler receives: the decoded messages of one topic-partition, in offset order. */
export interface Batch<T> {
  topic: string;
  partition: number;
  messages: Array<Received<T>>;
  /** Sends a decoded message that fails validation to the dead-letter topic, with its reason. */
  reject(message: Received<T>, reason: string, code?: string): void;
  /** Tells KafkaJS we are alive during long work. */
  heartbeat(): Promise<void>;
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
  fromBeginning?: boolean;
  maxWaitTimeInMs?: number;
  /** How long the group waits for a silent member before giving its partitions to others. */
  sessionTimeoutMs?: number;
  /** Whether to dead-letter undecodable messages (input topics) or only log them (internal topics). */
  deadLetter?: boolean;
  allowTombstones?: boolean;
  handle: (batch: Batch<SchemaTypes[N]>) => Promise<void>;
  onDeadLetter?: (count: number, code: string) => void;
}

/** DLQ_REASON_HEADER is the header that carries why a message was dead-lettered. */
export const DLQ_REASON_HEADER = 'callwatch-dlq-reason';

/** BatchConsumer runs a handler per batch and commits only what the handler finished: at-least-once delivery into the handler. */
export interface BatchConsumer {
  consumer: Consumer;
  stop(): Promise<void>;
}

/** startBatchConsumer subscribes and runs; decode failures never stop the partition, they go to `<topic>.dlq`. */
export async function startBatchConsumer<N extends SchemaName>(opts: BatchConsumerOptions<N>): Promise<BatchConsumer> {
  const { kafka, codec, publisher, log, topic, schema } = opts;
  const consumer = kafka.consumer({ groupId: opts.groupId, maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 100, sessionTimeout: opts.sessionTimeoutMs ?? 30_000, heartbeatInterval: Math.min(3_000, (opts.sessionTimeoutMs ?? 30_000) / 3) });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: true,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      await codec.prefetch(batch.messages.map((m) => m.value));
      const dead: Array<{ message: KafkaMessage; reason: string; code: string }> = [];
      const received: Array<Received<SchemaTypes[N]>> = [];
      const byOffset = new Map<string, KafkaMessage>();
      for (const message of batch.messages) {
        if (message.value === null && opts.allowTombstones) {
          // Only tables (allowTombstones) see null values; their handler checks for it.
          received.push(toReceived(batch.topic, batch.partition, message, null as unknown as SchemaTypes[N]));
          continue;
        }
        try {
          const value = codec.decode(schema, message.value);
          byOffset.set(message.offset, message);
          received.push(toReceived(batch.topic, batch.partition, message, value));
        } catch (err) {
          const code = err instanceof CallwatchError ? err.code : 'CW_ERR_DECODE';
          dead.push({ message, reason: (err as Error).message, code });
        }
      }
      await opts.handle({
        topic: batch.topic,
        partition: batch.partition,
        messages: received,
        reject: (m, reason, code = 'CW_ERR_INVALID_EVENT') => {
          const original = byOffset.get(m.offset);
          if (original) dead.push({ message: original, reason, code });
        },
        heartbeat,
      });
      if (dead.length > 0) {
        // Decode failures and handler rejections are found in two passes; the dead-letter topic keeps offset order.
        dead.sort((a, b) => Number(BigInt(a.message.offset) - BigInt(b.message.offset)));
        if (opts.deadLetter ?? true) {
          await publisher.publishRaw(
            dlqTopic(batch.topic),
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
        for (const [code, count] of counts) opts.onDeadLetter?.(count, code);
      }
      const last = batch.messages[batch.messages.length - 1] as KafkaMessage;
      resolveOffset(last.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  return { consumer, stop: () => consumer.disconnect() };
}

function toReceived<T>(topic: string, partition: number, message: KafkaMessage, value: T): Received<T> {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString() : null,
    value,
    timestamp: message.timestamp,
    headers: message.headers ?? {},
  };
}
