import type { Kafka, Producer } from 'kafkajs';
import type { SchemaName } from '@callwatch/schemas';
import { COMMON_ENV, apiToken, createLogger, startHealthServer, type ConfigOf, type HealthServer, type Logger } from '@callwatch/core';
import { brokerAccessError, checkTls } from './broker-access';
import { createKafka } from './client';
import { RegistryCodec } from './codec';
import { keyPartitioner } from './partitioner';
import { Publisher } from './publisher';
import { callwatchTopicSpecs, ensureTopics } from './admin';
import { connectionSecurity, securitySummary } from './security';
import { startBatchConsumer, type BatchConsumer, type BatchConsumerOptions } from './consumer';
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
 * roles the caller uses (BACKWARD compatible), so a schema problem stops a service at start, not mid-stream. So
 * do security settings that do not fit together, an untrusted certificate and a refused login.
 */
export async function connect(config: CommonConfig, clientId: string, roles: Array<keyof TopicNames>): Promise<Connection> {
  const security = connectionSecurity(config);
  const brokers = config.KAFKA_BROKERS;
  await checkTls(brokers, security.kafka);
  const kafka = createKafka({ brokers, clientId, security: security.kafka });
  const topics = topicNames(config.TOPIC_PREFIX);
  try {
    await ensureTopics(kafka, callwatchTopicSpecs(topics, config.TOPIC_PARTITIONS));
  } catch (err) {
    throw brokerAccessError(err, brokers, security.kafka);
  }
  const codec = new RegistryCodec(security.registry);
  for (const role of roles) await codec.register(TOPIC_SCHEMAS[role], topics[role]);
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: keyPartitioner });
  await producer.connect();
  return { kafka, producer, codec, publisher: new Publisher(producer, codec, config.KAFKA_MAX_REQUEST_BYTES), topics, close: () => producer.disconnect() };
}

/** Runtime is a service's connection plus its logger, its /healthz + /metrics server, and its consumers' session timeout. */
export interface Runtime extends Connection {
  log: Logger;
  health: HealthServer;
  /** KAFKA_SESSION_TIMEOUT_MS: how long the group waits for a silent member of this service */
  sessionTimeoutMs: number;
}

/**
 * startRuntime is what every service wires first. `listen: false` serves no health server (a worker thread: its
 * process serves one for all of them).
 */
export async function startRuntime(service: string, config: CommonConfig, roles: Array<keyof TopicNames>, { listen = true }: { listen?: boolean } = {}): Promise<Runtime> {
  const log = createLogger(service, config.LOG_LEVEL);
  const health = await startHealthServer({ host: config.METRICS_HOST, port: config.METRICS_PORT, service, token: apiToken(config), log, listen });
  let connection: Connection;
  try {
    connection = await connect(config, `callwatch-${service}`, roles);
  } catch (err) {
    // A service that cannot connect does not start: its metrics port must not stay open.
    await health.close();
    throw err;
  }
  log.info({ brokers: config.KAFKA_BROKERS, ...securitySummary(config), metricsPort: health.port }, 'runtime ready');
  return {
    ...connection,
    log,
    health,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    close: async () => {
      await connection.close();
      await health.close();
    },
  };
}

/** ServiceConsumerOptions are what a service says of one of its consumer groups; its runtime gives the rest. */
export type ServiceConsumerOptions<N extends SchemaName> = Omit<BatchConsumerOptions<N>, 'kafka' | 'codec' | 'publisher' | 'log' | 'registry'>;

/**
 * consume starts a consumer group of a service on its runtime: the runtime's Kafka client, codec, publisher and
 * logger, its lag reported on the service's /metrics, and its session timeout unless the options say otherwise.
 */
export function consume<N extends SchemaName>(runtime: Runtime, options: ServiceConsumerOptions<N>): Promise<BatchConsumer> {
  const { kafka, codec, publisher, log, health, sessionTimeoutMs } = runtime;
  return startBatchConsumer({ kafka, codec, publisher, log, registry: health.registry, sessionTimeoutMs, ...options });
}
