import { COMMON_ENV, env, parsers } from '@callwatch/core';
import { NOTIFY_ENV } from '@callwatch/notify';

/** NOTIFIER_ENV is the notifier's configuration, read once at start. */
export const NOTIFIER_ENV = {
  ...COMMON_ENV,
  NOTIFIER_GROUP_ID: env(parsers.string, 'Kafka consumer group of the notifiers', 'callwatch-notifier'),
  NOTIFY_DELIVERY: env(
    parsers.oneOf('at-least-once', 'at-most-once'),
    'a notifier killed after handing a message to the channel and before recording it: at-least-once sends it again after restart with the same Message-ID / Idempotency-Key; at-most-once does not',
    'at-least-once',
  ),
  NOTIFY_CLAIM_LEASE_MS: env(parsers.int, 'how long a delivery claim holds without renewal; a claim older than this belongs to a notifier that died while sending (longer than one send plus its longest backoff)', 60_000),
  ...NOTIFY_ENV,
};
