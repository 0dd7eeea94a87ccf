import { COMMON_ENV, env, parsers } from '@callwatch/core';

/** ENFORCER_ENV is the enforcer's configuration, read once at start. */
export const ENFORCER_ENV = {
  ...COMMON_ENV,
  ENFORCER_GROUP_ID: env(parsers.string, 'Kafka consumer group of the enforcers', 'callwatch-enforcer'),
  ENFORCER_TICK_MS: env(parsers.durationMs, 'how often penalties that have ended are looked for (and their entities enabled)', 1_000),
};
