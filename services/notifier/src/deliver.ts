import { retry, type RetryOptions } from '@callwatch/core';
import type { AlertEvent, Notification, Template } from '@callwatch/schemas';
import type { Channel, OutboundMessage } from './channels/channel';
import type { NotificationContext } from './context';
import { buildNotification } from './notification-record';
import type { Recipient } from './recipients';
import { renderNotification } from './render';

/** DedupStore remembers which (alert event, channel, recipient) were sent, so a redelivered alert is not sent twice. */
export interface DedupStore {
  alreadySent(key: string): Promise<boolean>;
  markSent(key: string): Promise<void>;
}

/** dedupKey names one delivery for the dedup store; the channel is the recipient's (email), not the transport (outbox). */
export function dedupKey(alertEventId: string, channel: string, recipient: string): string {
  return JSON.stringify([alertEventId, channel, recipient]);
}

/** DeliverInput is everything deliver needs for one alert and one recipient. */
export interface DeliverInput {
  alert: AlertEvent;
  context: NotificationContext;
  template: Template;
  recipient: Recipient;
  channel: Channel;
  dedup: DedupStore;
  /** Backoff and attempts; tests pass a no-op sleep. */
  retry?: Partial<RetryOptions>;
  now?: () => number;
}

/**
 * deliver renders and sends one alert to one recipient, at most once: it skips what the dedup store has seen,
 * retries retriable failures with backoff, and returns one Notification per attempt (`retrying` for each
 * failure that is retried, then `sent` or `failed`); an empty list means it was already sent.
 */
export async function deliver(input: DeliverInput): Promise<Notification[]> {
  const { alert, recipient, channel, dedup, now = Date.now } = input;
  const key = dedupKey(alert.event_id, recipient.channel, recipient.recipient);
  if (await dedup.alreadySent(key)) return [];

  const records: Notification[] = [];
  const record = (status: Notification['status'], attempt: number, extra: { error?: unknown; messageId?: string } = {}) =>
    records.push(buildNotification(alert, channel.name, recipient.recipient, { status, attempt, atMs: now(), ...extra }));

  let message: OutboundMessage;
  try {
    message = { ...renderNotification(input.template, input.context), channel: recipient.channel, recipient: recipient.recipient, alert };
  } catch (error) {
    // A broken template is not retriable and should not block other recipients: record it and move on.
    record('failed', 1, { error });
    return records;
  }

  let attempt = 0;
  try {
    const { messageId } = await retry(
      (n) => {
        attempt = n;
        return channel.send(message);
      },
      {
        ...input.retry,
        onRetry: (error, n, delayMs) => {
          record('retrying', n, { error });
          input.retry?.onRetry?.(error, n, delayMs);
        },
      },
    );
    record('sent', attempt, { messageId });
  } catch (error) {
    record('failed', attempt, { error });
    return records;
  }
  await dedup.markSent(key);
  return records;
}
