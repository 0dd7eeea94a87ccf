import { COMMON_ENV, env, parsers } from '@callwatch/core';

const positiveInt = (raw: string): number => {
  const n = parsers.int(raw);
  if (n <= 0) throw new Error(`expected a positive integer, got ${n}`);
  return n;
};

/** EVALUATOR_ENV is the evaluator's configuration, read once at start. */
export const EVALUATOR_ENV = {
  ...COMMON_ENV,
  EVALUATOR_GROUP_ID: env(parsers.string, 'Kafka consumer group of the evaluators', 'callwatch-evaluator'),
  EVALUATOR_CHUNK_SNAPSHOTS: env(positiveInt, 'metric snapshots evaluated, published and saved together within a fetched batch', 500),
  EVALUATOR_EVENT_MAX_AGE_MS: env(positiveInt, 'event rules ignore payments, account changes and penalty actions older than this, in milliseconds', 3_600_000),
  EVALUATOR_SCRIPT_TIMEOUT_MS: env(positiveInt, 'time limit of one call of a script rule, in milliseconds', 50),
  EVALUATOR_SCRIPT_MEMORY_BYTES: env(positiveInt, 'memory limit of one call of a script rule, in bytes', 16 * 1024 * 1024),
};
