import { env, parsers, secretEnv } from './config';
import { KAFKA_SECURITY_ENV, SCHEMA_REGISTRY_SECURITY_ENV } from './kafka-security-config';
import { REDIS_ENV } from './redis-config';

/** COMMON_ENV is the configuration every service reads: where Kafka, the registry and Redis are, and its own ports. */
export const COMMON_ENV = {
  KAFKA_BROKERS: env(parsers.list, 'comma-separated Kafka bootstrap servers host:port', ['127.0.0.1:19092']),
  ...KAFKA_SECURITY_ENV,
  SCHEMA_REGISTRY_URL: env(parsers.url, 'Confluent-compatible schema registry URL; a user and password in it (https://user:password@host/…) are basic auth, and never logged', 'http://127.0.0.1:18081/apis/ccompat/v7'),
  ...SCHEMA_REGISTRY_SECURITY_ENV,
  ...REDIS_ENV,
  TOPIC_PREFIX: env(parsers.string, 'prefix put before every topic name (isolates tests and tenants)', ''),
  REDIS_KEY_PREFIX: env(parsers.string, 'prefix put before every Redis key', 'cw:'),
  TOPIC_PARTITIONS: env(parsers.int, 'partitions of the topics callwatch creates when they are missing', 6),
  KAFKA_MAX_REQUEST_BYTES: env(parsers.bytes, 'the most bytes of messages callwatch sends in one produce request; keep it below the brokers\' (or topics\') message.max.bytes, 1,048,588 by default: one request\'s messages may all go to one partition, and a larger record batch is refused every time it is sent (bytes, or with a unit: 900KiB)', 1_000_000),
  KAFKA_SESSION_TIMEOUT_MS: env(parsers.int, 'how long a consumer that stopped heartbeating keeps its partitions (a crashed instance\'s partitions move after this)', 30_000),
  METRICS_HOST: env(parsers.string, 'address of the /healthz and /metrics server', '127.0.0.1'),
  METRICS_PORT: env(parsers.port, 'port of the /healthz and /metrics server (0 picks a free port)', 9464),
  API_TOKEN: secretEnv('bearer token (16 characters or more) that POST endpoints on the metrics port require (the recorder\'s /query), and that the CLI sends; empty: they answer only when METRICS_HOST is loopback'),
  API_TOKEN_FILE: env(parsers.string, 'file that holds API_TOKEN (a mounted Kubernetes secret), read once at start; a trailing newline is not part of it', ''),
  LOG_LEVEL: env(parsers.oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace'), 'log level', 'info'),
};
