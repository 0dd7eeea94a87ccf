import { createHash } from 'node:crypto';
import type { AlertEvent, Rule } from '@callwatch/schemas';
import type { Recipient, RecipientChannel } from './recipients';

/** GroupDefaults are the notifier's grouping settings for rules that set none (NOTIFY_GROUP_BY, NOTIFY_GROUP_WAIT_MS, NOTIFY_GROUP_INTERVAL_MS). */
export interface GroupDefaults {
  groupBy: readonly string[];
  waitMs: number;
  intervalMs: number;
}

/** DigestGroup is where one alert to one recipient goes when grouped: the digest it joins and that digest's timing. */
export interface DigestGroup {
  /** id names the group in Redis: a hash of `key`. */
  id: string;
  /** key says what the group is in words, for the notification records: `email:noc@example.net|rule=low-asr|level=warning`. */
  key: string;
  recipient: Recipient;
  /** The values of the group_by fields that all of the group's alerts share. */
  labels: Record<string, string>;
  waitMs: number;
  intervalMs: number;
}

// Machines receive alerts one by one (a webhook receiver groups as it likes); people get digests.
const DIGEST_CHANNELS: ReadonlySet<RecipientChannel> = new Set(['email', 'sms', 'slack', 'pushover']);

function label(alert: AlertEvent, field: string): string {
  switch (field) {
    case 'rule': return alert.rule_id;
    case 'level': return alert.level;
    case 'area': return alert.area;
    case 'entity': return alert.entity;
    case 'type': return alert.type;
    default: return '';
  }
}

/**
 * digestGroup says which digest an alert to a recipient joins, or null when it goes out alone: the rule's group_by
 * (else the notifier's default) names the alert fields a digest's alerts share; an empty list, a webhook, or a TEST
 * alert is not grouped. A customer's own contacts are always grouped by entity too, so they only ever see their own alerts.
 */
export function digestGroup(alert: AlertEvent, rule: Pick<Rule, 'group_by' | 'group_wait_ms' | 'group_interval_ms'>, recipient: Recipient, defaults: GroupDefaults): DigestGroup | null {
  const groupBy = rule.group_by ?? defaults.groupBy;
  if (groupBy.length === 0 || alert.test || !DIGEST_CHANNELS.has(recipient.channel)) return null;
  const fields = recipient.source === 'contact' && !groupBy.includes('entity') ? [...groupBy, 'entity'] : [...groupBy];
  const labels = Object.fromEntries(fields.map((f) => [f, label(alert, f)]));
  const key = [`${recipient.channel}:${recipient.recipient}`, ...fields.map((f) => `${f}=${labels[f]}`)].join('|');
  return {
    id: createHash('sha1').update(key).digest('hex'),
    key,
    recipient,
    labels,
    waitMs: rule.group_wait_ms ?? defaults.waitMs,
    intervalMs: rule.group_interval_ms ?? defaults.intervalMs,
  };
}
