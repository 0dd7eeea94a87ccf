import { COMMON_ENV, env, parsers } from '@callwatch/core';
import { NOTIFY_ENV } from '@callwatch/notify';

/** NOTIFIER_ENV is the notifier's configuration, read once at start. */
export const NOTIFIER_ENV = {
  ...COMMON_ENV,
  NOTIFIER_GROUP_ID: env(parsers.string, 'Kafka consumer group of the notifiers', 'callwatch-notifier'),
  ...NOTIFY_ENV,
};
