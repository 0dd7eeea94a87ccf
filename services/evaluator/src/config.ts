import { COMMON_ENV, env, parsers } from '@callwatch/core';

const positiveDuration = (raw: string): number => {
  const ms = parsers.durationMs(raw);
  if (!(ms > 0)) throw new Error(`expected a positive duration such as 10s, got "${raw}"`);
  return ms;
};

/** EVALUATOR_ENV is the evaluator's configuration, read once at start. */
export const EVALUATOR_ENV = {
  ...COMMON_ENV,
  EVALUATOR_GROUP_ID: env(parsers.string, 'Kafka consumer group of the evaluators', 'callwatch-evaluator'),
  EVALUATOR_CHUNK_SNAPSHOTS: env(parsers.positiveInt, 'metric snapshots evaluated, published and saved together within a fetched batch', 500),
  EVALUATOR_STATE_CACHE_ENTITIES: env(parsers.int, 'alert states of this many entities are kept in memory between their snapshots (read from Redis again after every rebalance); 0 reads Redis every time', 100_000),
  EVALUATOR_EVENT_MAX_AGE_MS: env(parsers.positiveInt, 'event rules ignore payments, account changes and penalty actions older than this, in milliseconds', 3_600_000),
  EVALUATOR_SCRIPT_TIMEOUT_MS: env(parsers.positiveInt, 'time limit of one call of a script rule, in milliseconds', 50),
  EVALUATOR_SCRIPT_MEMORY_BYTES: env(parsers.positiveInt, 'memory limit of one call of a script rule, in bytes', 16 * 1024 * 1024),
  EVALUATOR_IDLE_MS: env(positiveDuration, 'a metric partition whose clock (the newest snapshot time) has not moved for this long follows the wall clock from then on, so the deadlines of its alerts (`for`, `repeat`) still fall due; in milliseconds or with a unit', 30_000),
  EVALUATOR_CLOCK_AHEAD_MS: env(positiveDuration, 'a snapshot moves its partition\'s clock at most this far ahead of the wall clock (a switch whose clock runs ahead must not bring every deadline forward); in milliseconds or with a unit', 300_000),
  EVALUATOR_DEADLINE_CHECK_MS: env(positiveDuration, 'how often quiet partitions are checked for deadlines the wall clock passed; in milliseconds or with a unit', 1_000),
  EVALUATOR_SCHEDULE_CHECK_MS: env(positiveDuration, 'how often report rules (rules with a schedule) are checked for due ticks, in milliseconds or with a unit', 10_000),
  EVALUATOR_SCHEDULE_CATCHUP_MS: env(positiveDuration, 'how late a report tick missed while no evaluator ran is still sent (older ones are skipped with a warning; at least EVALUATOR_SCHEDULE_CHECK_MS), in milliseconds or with a unit', 3_600_000),
};
