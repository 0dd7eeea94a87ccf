import { COMMON_ENV, env, parsers, redactUrl, secretEnv } from '@callwatch/core';
import { NOTIFY_ALLOW_TARGETS_ENV } from '@callwatch/notify/webhook';

// ACTION_WEBHOOK_URL: one http(s) URL or several, comma-separated; a bad one is named without its user info or query.
const httpUrls = (raw: string): string[] => {
  const urls = parsers.list(raw);
  for (const url of urls) {
    const protocol = URL.canParse(url) ? new URL(url).protocol : '';
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`expected http(s) URLs separated by commas, got "${redactUrl(url)}"`);
  }
  return urls;
};

/** ENFORCER_ENV is the enforcer's configuration, read once at start. */
export const ENFORCER_ENV = {
  ...COMMON_ENV,
  ENFORCER_GROUP_ID: env(parsers.string, 'Kafka consumer group of the enforcers', 'callwatch-enforcer'),
  ENFORCER_TICK_MS: env(parsers.durationMs, 'how often penalties that have ended are looked for (and their entities enabled)', 1_000),
  ACTION_WEBHOOK_URL: env(httpUrls, 'URL, or comma-separated URLs, that receive every disable and enable action as a signed JSON POST, each URL in a consumer group of its own (docs/operations.md#penalties-that-reach-the-switch); empty: actions stay on the action topic', []),
  ACTION_WEBHOOK_SECRET: secretEnv('HMAC-SHA256 key that signs action webhook bodies (x-callwatch-signature, as notification webhooks are signed); required with ACTION_WEBHOOK_URL unless ACTION_WEBHOOK_SECRET_FILE is set'),
  ACTION_WEBHOOK_SECRET_FILE: env(parsers.string, 'file that holds the action webhook secret (a mounted Kubernetes secret), read once at start; a trailing newline is not part of it', ''),
  ACTION_WEBHOOK_TIMEOUT_MS: env(parsers.durationMs, 'longest one action webhook request may take, connecting to the whole answer; longer is a failed attempt, tried again', 10_000),
  ACTION_WEBHOOK_RETRY_MIN_MS: env(parsers.durationMs, 'delay before the first retry of an action the switch did not take (network error, timeout, 408, 429, 5xx); it doubles, with jitter, up to ACTION_WEBHOOK_RETRY_MAX_MS, and the retries never stop', 500),
  ACTION_WEBHOOK_RETRY_MAX_MS: env(parsers.durationMs, 'longest delay between two attempts to deliver one action', 30_000),
  ACTION_WEBHOOK_CONCURRENCY: env(parsers.positiveInt, 'partitions of the action topic each URL receives from at once; the actions of one partition (so of one entity) go one at a time, in order', 4),
  ...NOTIFY_ALLOW_TARGETS_ENV,
};
