import { createHash } from 'node:crypto';
import type { AlertEvent, DeliveryChannel, DeliveryStatus, Notification } from '@callwatch/schemas';
import { CallwatchError } from '@callwatch/core';

/** notificationId is deterministic in (alert event id, channel, recipient, attempt), so a re-recorded attempt keeps its id. */
export function notificationId(alertEventId: string, channel: string, recipient: string, attempt: number): string {
  return createHash('sha256').update(JSON.stringify([alertEventId, channel, recipient, attempt])).digest('hex').slice(0, 32);
}

/** describeError renders an error for the notification record: the code when it is ours, then the message. */
export function describeError(err: unknown): string {
  if (err instanceof CallwatchError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** NotificationOutcome is what happened to one attempt. */
export interface NotificationOutcome {
  status: DeliveryStatus;
  attempt: number;
  error?: unknown;
  messageId?: string;
  /** The digest the alert went out in, when grouped. */
  groupKey?: string;
  atMs: number;
}

/** buildNotification makes the record of one attempt to deliver an alert to one recipient on one channel. */
export function buildNotification(alert: AlertEvent, channel: DeliveryChannel, recipient: string, outcome: NotificationOutcome): Notification {
  return {
    notification_id: notificationId(alert.event_id, channel, recipient, outcome.attempt),
    alert_event_id: alert.event_id,
    rule_id: alert.rule_id,
    entity: alert.entity,
    channel,
    recipient,
    status: outcome.status,
    attempt: outcome.attempt,
    error: outcome.error === undefined ? null : describeError(outcome.error),
    message_id: outcome.messageId ?? null,
    group_key: outcome.groupKey ?? null,
    at_ms: outcome.atMs,
  };
}

/**
 * skippedNotification records that an alert was not delivered to a recipient, and why (a class switched it off, a
 * silence muted it, a later notification superseded it): status `skipped`, attempt 0 (nothing was tried, so its id
 * never collides with a real attempt's), the reason as its error.
 */
export function skippedNotification(alert: AlertEvent, channel: DeliveryChannel, recipient: string, reason: string, now: number): Notification {
  return buildNotification(alert, channel, recipient, { status: 'skipped', attempt: 0, error: reason, atMs: now });
}
