import { COMMON_ENV, CallwatchError, env, parsers, type ConfigOf } from '@callwatch/core';
import { ACCOUNT_LATENESS_MS, bucketSizeMs } from '@callwatch/windows';

/** AGGREGATOR_ENV is the aggregator's configuration, read once at start. */
export const AGGREGATOR_ENV = {
  ...COMMON_ENV,
  AGGREGATOR_GROUP_ID: env(parsers.string, 'Kafka consumer group of the aggregators (the carrier and billing sides add -carrier and -billing)', 'callwatch-aggregator'),
  AGGREGATOR_PERIODS: env(
    (raw) => parsers.list(raw).map(parsers.durationMs),
    'comma-separated sample periods to keep windows for whatever the rules (every period a rule uses is kept besides), e.g. 5m,15m,1h',
    [5 * 60_000, 15 * 60_000, 60 * 60_000],
  ),
  AGGREGATOR_LATENESS_MS: env(
    parsers.durationMs,
    'how far behind an entity\'s newest event an event may be and still count: milliseconds, or a duration such as 5m',
    5 * 60_000,
  ),
  AGGREGATOR_ACCOUNT_LATENESS_MS: env(
    parsers.durationMs,
    'how far behind an entity\'s newest event an account snapshot may be and still get the exact balance: money movements older than this are kept as one sum, which an older snapshot counts as after it',
    ACCOUNT_LATENESS_MS,
  ),
  AGGREGATOR_MAX_CALL_MS: env(parsers.durationMs, 'a started call whose CDR has not come after this long is expired from channels', 4 * 3_600_000),
  AGGREGATOR_WORKERS: env(
    parsers.positiveInt,
    'how many aggregators this process runs, each in a worker thread of its own and a member of the consumer groups like another instance (about one per core: a busy aggregator keeps one core busy); 1: one, in the main thread',
    1,
  ),
  AGGREGATOR_PARTITIONS_CONCURRENTLY: env(
    parsers.positiveInt,
    'how many partitions of a side each aggregator works on at once (their Redis round trips overlap); one partition\'s batches stay in order',
    6,
  ),
  AGGREGATOR_FETCH_BYTES: env(
    parsers.bytes,
    'the most bytes one fetch brings of one partition (e.g. 4MiB): larger batches fold more events of an entity into each checkpoint write; memory grows with it times the partitions worked on at once',
    4 * 1024 * 1024,
  ),
  AGGREGATOR_MEMORY_ENTITIES: env(
    parsers.positiveInt,
    'the most entities an aggregator keeps in memory; beyond it, the least recently touched are dropped (their state is in Redis) and read again at their next event',
    200_000,
  ),
  AGGREGATOR_CHECKPOINT_MS: env(
    parsers.durationMs,
    'how long batches fold into memory before what changed is written to Redis, their snapshots published and their offsets committed (0: after every batch); longer writes entities touched by several batches once, and delays snapshots by up to as long',
    0,
  ),
  AGGREGATOR_DEDUP_MS: env(
    parsers.durationMs,
    'how long the ids of counted CDRs, call starts and payments are remembered to drop a duplicate a switch or billing sends again (0: the longest period plus lateness); at least the lateness. A duplicate sent later counts again, windows and money',
    0,
  ),
  AGGREGATOR_TICK_MS: env(parsers.durationMs, 'how often windows that changed only because time passed are slid and published', 1_000),
  AGGREGATOR_REPLAY_MS: env(
    parsers.durationMs,
    'after Redis loses its state, CDRs and call starts published this long ago are replayed (0: the longest period plus lateness); billing is replayed whole',
    0,
  ),
};

/**
 * checkSettings stops the process at start on settings that are valid alone but not together: a sample period that
 * does not divide into buckets, or a dedup horizon shorter than the lateness (a call start that comes after its CDR,
 * within the lateness, would then open a call that never closes).
 */
export function checkSettings(config: Pick<ConfigOf<typeof AGGREGATOR_ENV>, 'AGGREGATOR_PERIODS' | 'AGGREGATOR_DEDUP_MS' | 'AGGREGATOR_LATENESS_MS'>): void {
  config.AGGREGATOR_PERIODS.forEach(bucketSizeMs);
  const { AGGREGATOR_DEDUP_MS: dedupMs, AGGREGATOR_LATENESS_MS: latenessMs } = config;
  if (dedupMs > 0 && dedupMs < latenessMs) {
    throw new CallwatchError('CW_ERR_CONFIG', `invalid configuration:\n  AGGREGATOR_DEDUP_MS: ${dedupMs} is shorter than AGGREGATOR_LATENESS_MS (${latenessMs}); expected 0 or at least the lateness`);
  }
}
