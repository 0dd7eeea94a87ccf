import { COMMON_ENV, env, parsers } from '@callwatch/core';
import { NOTIFY_ENV } from '@callwatch/notify';
import { GROUP_BY_FIELDS } from '@callwatch/schemas';

/** NOTIFIER_ENV is the notifier's configuration, read once at start. */
export const NOTIFIER_ENV = {
  ...COMMON_ENV,
  NOTIFIER_GROUP_ID: env(parsers.string, 'Kafka consumer group of the notifiers', 'callwatch-notifier'),
  NOTIFY_DELIVERY: env(
    parsers.oneOf('at-least-once', 'at-most-once'),
    'a notifier killed after handing a message to the channel and before recording it: at-least-once sends it again after restart with the same Message-ID / Idempotency-Key; at-most-once does not',
    'at-least-once',
  ),
  NOTIFY_CONCURRENCY: env(parsers.positiveInt, "alerts of different entities a notifier routes at once within a batch (one entity's alerts stay one at a time, in order)", 8),
  NOTIFY_GROUP_BY: env(
    parsers.listOf(...GROUP_BY_FIELDS),
    'alert fields that gather notifications into digests for rules that set no group_by (e.g. rule,level); empty sends one notification per alert',
    [],
  ),
  NOTIFY_GROUP_WAIT_MS: env(parsers.durationMs, 'how long a new digest group waits for more alerts before its first digest, for rules that set no group_wait', 30_000),
  NOTIFY_GROUP_INTERVAL_MS: env(parsers.durationMs, 'how long after a digest the next one of its group may go, for rules that set no group_interval', 300_000),
  NOTIFY_DIGEST_CHECK_MS: env(parsers.durationMs, 'how often the notifier looks for digests that are due', 1_000),
  NOTIFY_CLAIM_LEASE_MS: env(parsers.int, 'how long a delivery claim holds without renewal; a claim older than this belongs to a notifier that died while sending (longer than one send plus its longest backoff)', 60_000),
  ...NOTIFY_ENV,
};
