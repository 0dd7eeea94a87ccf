import { randomUUID } from 'node:crypto';
import { COMMON_ENV, loadConfig } from '@callwatch/core';
import {
  RegistryCodec, callwatchTopicSpecs, connectionSecurity, createKafka, ensureTopics, topicNames, type Kafka, type TopicNames,
} from '@callwatch/kafka';
import type { SchemaName, SchemaTypes } from '@callwatch/schemas';

/** TestScope isolates one test: its own topic prefix, Redis key prefix and consumer groups. */
export interface TestScope {
  id: string;
  env: NodeJS.ProcessEnv;
  topics: TopicNames;
  kafka: Kafka;
  codec: RegistryCodec;
}

/** testScope creates the topics of a fresh prefix and returns the environment services should start with. */
export async function testScope(name: string, overrides: NodeJS.ProcessEnv = {}): Promise<TestScope> {
  const id = `t-${name}-${randomUUID().slice(0, 8)}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TOPIC_PREFIX: `${id}.`,
    REDIS_KEY_PREFIX: `${id}:`,
    TOPIC_PARTITIONS: '3',
    METRICS_PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    AGGREGATOR_GROUP_ID: `${id}-aggregator`,
    EVALUATOR_GROUP_ID: `${id}-evaluator`,
    NOTIFIER_GROUP_ID: `${id}-notifier`,
    ENFORCER_GROUP_ID: `${id}-enforcer`,
    RECORDER_GROUP_ID: `${id}-recorder`,
    ...overrides,
  };
  const common = loadConfig(COMMON_ENV, env);
  const security = connectionSecurity(common);
  const kafka = createKafka({ brokers: common.KAFKA_BROKERS, clientId: id, security: security.kafka });
  const topics = topicNames(common.TOPIC_PREFIX);
  await ensureTopics(kafka, callwatchTopicSpecs(topics, common.TOPIC_PARTITIONS));
  const codec = new RegistryCodec(security.registry);
  return { id, env, topics, kafka, codec };
}

/** Collected is one message read back from a topic. */
export interface Collected<T> {
  key: string | null;
  value: T;
  headers: Record<string, string>;
}

/**
 * collect reads a topic from the beginning until `done` holds for what was read (or the timeout passes,
 * which fails the test with what was seen), decoding with the registry unless `raw`.
 */
export async function collect<N extends SchemaName>(
  scope: TestScope,
  topic: string,
  schema: N | 'raw',
  done: (messages: Array<Collected<N extends SchemaName ? SchemaTypes[N] : Buffer>>) => boolean,
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<Array<Collected<SchemaTypes[N]>>> {
  type V = SchemaTypes[N];
  const seen: Array<Collected<V>> = [];
  const consumer = scope.kafka.consumer({ groupId: `${scope.id}-collect-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let resolveDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => (resolveDone = resolve));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (schema !== 'raw') await scope.codec.prefetch(batch.messages.map((m) => m.value));
      for (const m of batch.messages) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
        // A null value is a tombstone on a compacted topic: collected as null, never decoded.
        const value = (schema === 'raw' || m.value === null ? m.value : scope.codec.decode(schema, m.value)) as V;
        seen.push({ key: m.key?.toString() ?? null, value, headers });
      }
      if (done(seen as never)) resolveDone();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms reading ${topic}; saw ${seen.length} message(s): ${JSON.stringify(seen.map((s) => s.value)).slice(0, 2000)}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return seen;
}

/** eventually retries an assertion until it passes or the timeout passes (then its last error is thrown). */
export async function eventually<T>(check: () => Promise<T>, { timeoutMs = 30_000, intervalMs = 200 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
