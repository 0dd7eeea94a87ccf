import type { Kafka } from 'kafkajs';
import { retry } from '@callwatch/core';
import { COMPACTED_ROLES, INPUT_ROLES, dlqTopic, type TopicNames } from './topics';

/** TopicSpec describes one topic to create if it is missing. */
export interface TopicSpec {
  topic: string;
  partitions: number;
  compacted?: boolean;
}

/**
 * ensureTopics creates the topics that do not exist yet and leaves existing ones alone. It retries Kafka's
 * retriable errors: a broker that has just started can answer "does not host this topic-partition" while the
 * leaders of new topics are elected, and each try recomputes what is still missing.
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<void> {
  await retry(() => createMissing(kafka, specs), { retries: 8, initialDelayMs: 250, maxDelayMs: 3_000, shouldRetry: retriableWithin });
}

/**
 * retriableWithin tells whether an error may succeed when tried again: KafkaJS gives up on a retriable error (a
 * leader election on a broker that has just started) after its own retries and wraps it as non-retriable, so
 * anything retriable in its chain of causes counts.
 */
export function retriableWithin(err: unknown): boolean {
  for (let e = err as { retriable?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.retriable === true) return true;
  }
  return false;
}

async function createMissing(kafka: Kafka, specs: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor: -1,
        configEntries: s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** callwatchTopicSpecs lists every callwatch topic and dead-letter topic with `partitions` partitions (tables get compaction). */
export function callwatchTopicSpecs(names: TopicNames, partitions: number): TopicSpec[] {
  const specs: TopicSpec[] = [];
  for (const [role, topic] of Object.entries(names) as Array<[keyof TopicNames, string]>) {
    specs.push({ topic, partitions, compacted: COMPACTED_ROLES.has(role) });
    if (INPUT_ROLES.has(role)) specs.push({ topic: dlqTopic(topic), partitions: 1 });
  }
  return specs;
}

/**
 * replayOffsets returns, per partition of `topic`, the first offset whose message timestamp is at or after
 * `fromMs` (the end of the partition when none is), or the oldest offset still in the log when `fromMs` is null.
 */
export async function replayOffsets(kafka: Kafka, topic: string, fromMs: number | null): Promise<Map<number, number>> {
  // Right after a topic is created the broker may not know its leaders yet; that answer is retriable.
  return retry(() => fetchReplayOffsets(kafka, topic, fromMs), { retries: 8, initialDelayMs: 250, maxDelayMs: 3_000 });
}

async function fetchReplayOffsets(kafka: Kafka, topic: string, fromMs: number | null): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const bounds = await admin.fetchTopicOffsets(topic);
    const out = new Map<number, number>(bounds.map((b) => [b.partition, Number(b.low)]));
    if (fromMs === null) return out;
    const high = new Map(bounds.map((b) => [b.partition, Number(b.high)]));
    for (const { partition, offset } of await admin.fetchTopicOffsetsByTimestamp(topic, fromMs)) {
      // Kafka answers -1 when no message is that new: nothing to replay there.
      out.set(partition, Number(offset) < 0 ? (high.get(partition) ?? 0) : Number(offset));
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}
