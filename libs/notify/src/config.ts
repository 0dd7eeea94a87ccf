import { env, parsers } from '@callwatch/core';
import { parseAllowTargets } from './channels/target-guard';

// Pushover refuses emergency repeats more often than every 30 s or for longer than 3 h: say so at start, not per alert.
const intBetween = (min: number, max: number) => (raw: string): number => {
  const n = parsers.int(raw);
  if (n < min || n > max) throw new Error(`expected an integer from ${min} to ${max}, got ${n}`);
  return n;
};

// An SMS sender id is what carriers show instead of a number: 1-11 characters of A-Z, a-z, 0-9, not all digits.
const smsSenderId = (raw: string): string => {
  if (raw !== '' && !/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/.test(raw)) throw new Error(`expected 1-11 letters and digits with at least one letter, got "${raw}"`);
  return raw;
};

/** NOTIFY_ALLOW_TARGETS_ENV is the target guard's allow-list, one setting for the notifier's webhooks and the enforcer's action webhook. */
export const NOTIFY_ALLOW_TARGETS_ENV = {
  NOTIFY_ALLOW_TARGETS: env(parseAllowTargets, 'comma-separated CIDRs, addresses and host names that webhook and Slack URLs (and the enforcer\'s ACTION_WEBHOOK_URL) may reach even where they are loopback, private, link-local, CGNAT or cloud metadata addresses, which are refused otherwise (docs/channels.md)', []),
};

/** NOTIFY_ENV says where notifications go and how they are sent; the notifier and `callwatch rules test --send` share it. */
export const NOTIFY_ENV = {
  NOTIFY_EMAIL_FROM: env(parsers.string, 'sender address of alert emails (verified in SES)', 'alerts@callwatch.local'),
  NOTIFY_OUTBOX_DIR: env(parsers.string, 'folder for rendered emails and SMS when no AWS endpoint or credentials are configured', 'outbox'),
  NOTIFY_RETRIES: env(parsers.int, 'retries of a temporary delivery failure before it is recorded as failed, with backoff from 200 ms to 10 s apart: the default rides out a provider outage of at least 3 minutes', 40),
  NOTIFY_TRANSPORT: env(parsers.oneOf('auto', 'aws', 'outbox'), 'where email and SMS go: aws (SES/SNS), outbox (files), or auto (aws when an AWS endpoint or credentials are configured)', 'auto'),
  NOTIFY_CHARTS: env(parsers.bool, "whether alert emails carry an inline PNG chart of the metric over the rule's window (gauges: what is known of the last 24 h)", true),
  AWS_ENDPOINT_URL: env(parsers.string, 'SES/SNS endpoint (moto locally); empty uses AWS itself', ''),
  AWS_REGION: env(parsers.string, 'AWS region of SES and SNS', 'us-east-1'),
  AWS_ACCESS_KEY_ID: env(parsers.string, 'AWS access key; with neither it nor AWS_ENDPOINT_URL set, notifications go to the outbox', ''),
  NOTIFY_SMS_SENDER_ID: env(smsSenderId, 'alphanumeric sender id of SMS (1-11 letters and digits, at least one letter) where the destination country supports one; empty: the number SNS picks', ''),
  NOTIFY_SMS_TYPE: env(parsers.oneOf('Transactional', 'Promotional'), 'SNS SMS type: Transactional routes for reliability (alerts are time-critical), Promotional for cost', 'Transactional'),
  NOTIFY_SMS_MAX_SEGMENTS: env(parsers.positiveInt, 'SMS segments a template may take for a sample alert before `callwatch templates` warns (160 GSM-7 or 70 UCS-2 characters are one segment)', 2),
  WEBHOOK_SECRET: env(parsers.string, 'HMAC-SHA256 key that signs webhook bodies (x-callwatch-signature); required when a rule notifies a webhook', ''),
  NOTIFY_WEBHOOK_TIMEOUT_MS: env(parsers.durationMs, 'longest a webhook, Slack or Pushover request may take, connecting to the whole answer; longer is a temporary failure', 10_000),
  NOTIFY_WEBHOOK_MAX_RESPONSE_BYTES: env(parsers.bytes, 'how much of a webhook, Slack or Pushover answer is read before the connection is closed (the status decides the outcome)', 64 * 1024),
  ...NOTIFY_ALLOW_TARGETS_ENV,
  PUSHOVER_TOKEN: env(parsers.string, 'Pushover application API token; required when a rule notifies a Pushover user', ''),
  PUSHOVER_API_URL: env(parsers.url, 'base URL of the Pushover API; messages are posted to its /1/messages.json', 'https://api.pushover.net'),
  PUSHOVER_EMERGENCY_RETRY_S: env(intBetween(30, 10_800), 'seconds between Pushover\'s repeats of a critical (emergency-priority) alert until someone acknowledges it; at least 30', 60),
  PUSHOVER_EMERGENCY_EXPIRE_S: env(intBetween(30, 10_800), 'seconds Pushover keeps repeating an unacknowledged critical alert; at most 10800 (3 h)', 3600),
};
