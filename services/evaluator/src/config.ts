import { COMMON_ENV, env, parsers } from '@callwatch/core';

/** EVALUATOR_ENV is the evaluator's configuration, read once at start. */
export const EVALUATOR_ENV = {
  ...COMMON_ENV,
  EVALUATOR_GROUP_ID: env(parsers.string, 'Kafka consumer group of the evaluators', 'callwatch-evaluator'),
};
