import type { Kafka, Producer } from 'kafkajs';
import { COMMON_ENV, createLogger, startHealthServer, type ConfigOf, type HealthServer, type Logger } from '@callwatch/core';
import { createKafka } from './client';
import { RegistryCodec } from './codec';
import { keyPartitioner } from './partitioner';
import { Publisher } from './publisher';
import { callwatchTopicSpecs, ensureTopics } from './admin';
import { TOPIC_SCHEMAS, topicNames, type TopicNames } from './topics';

/** CommonConfig is the parsed COMMON_ENV. */
export type CommonConfig = ConfigOf<typeof COMMON_ENV>;

/** Connection is a connected Kafka client with its producer, registry codec and topic names. */
export interface Connection {
  kafka: Kafka;
  producer: Producer;
  codec: RegistryCodec;
  publisher: Publisher;
  topics: TopicNames;
  close(): Promise<void>;
}

/**
 * connect reaches Kafka and the registry, makes sure the topics exist, and registers the schemas of the topic
 * roles the caller uses (BACKWARD compatible), so a schema problem stops a service at start, not mid-stream.
 */
export async function connect(config: CommonConfig, clientId: string, roles: Array<keyof TopicNames>): Promise<Connection> {
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId });
  const topics = topicNames(config.TOPIC_PREFIX);
  await ensureTopics(kafka, callwatchTopicSpecs(topics, config.TOPIC_PARTITIONS));
  const codec = new RegistryCodec(config.SCHEMA_REGISTRY_URL);
  for (const role of roles) await codec.register(TOPIC_SCHEMAS[role], topics[role]);
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: keyPartitioner });
  await producer.connect();
  return { kafka, producer, codec, publisher: new Publisher(producer, codec), topics, close: () => producer.disconnect() };
}

/** Runtime is a service's connection plus its logger and /healthz + /metrics server. */
export interface Runtime extends Connection {
  log: Logger;
  health: HealthServer;
}

/** startRuntime is what every service wires first. */
export async function startRuntime(service: string, config: CommonConfig, roles: Array<keyof TopicNames>): Promise<Runtime> {
  const log = createLogger(service, config.LOG_LEVEL);
  const health = await startHealthServer({ host: config.METRICS_HOST, port: config.METRICS_PORT, service });
  const connection = await connect(config, `callwatch-${service}`, roles);
  log.info({ brokers: config.KAFKA_BROKERS, registry: config.SCHEMA_REGISTRY_URL, metricsPort: health.port }, 'runtime ready');
  return {
    ...connection,
    log,
    health,
    close: async () => {
      await connection.close();
      await health.close();
    },
  };
}
