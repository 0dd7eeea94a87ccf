import { env, parsers } from './config';

/** COMMON_ENV is the configuration every service reads: where Kafka, the registry and Redis are, and its own ports. */
export const COMMON_ENV = {
  KAFKA_BROKERS: env(parsers.list, 'comma-separated Kafka bootstrap servers host:port', ['127.0.0.1:19092']),
  SCHEMA_REGISTRY_URL: env(parsers.url, 'Confluent-compatible schema registry URL', 'http://127.0.0.1:18081/apis/ccompat/v7'),
  REDIS_URL: env(parsers.redisUrl, 'Redis: redis://host:port for a standalone Redis, redis-cluster://host:port,host:port for a Redis Cluster', 'redis://127.0.0.1:16379'),
  TOPIC_PREFIX: env(parsers.string, 'prefix put before every topic name (isolates tests and tenants)', ''),
  REDIS_KEY_PREFIX: env(parsers.string, 'prefix put before every Redis key', 'cw:'),
  TOPIC_PARTITIONS: env(parsers.int, 'partitions of the topics callwatch creates when they are missing', 6),
  KAFKA_SESSION_TIMEOUT_MS: env(parsers.int, 'how long a consumer that stopped heartbeating keeps its partitions (a crashed instance\'s partitions move after this)', 30_000),
  METRICS_HOST: env(parsers.string, 'address of the /healthz and /metrics server', '127.0.0.1'),
  METRICS_PORT: env(parsers.port, 'port of the /healthz and /metrics server (0 picks a free port)', 9464),
  LOG_LEVEL: env(parsers.oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace'), 'log level', 'info'),
};
