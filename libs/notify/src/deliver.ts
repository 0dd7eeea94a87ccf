import { retry, type RetryOptions } from '@callwatch/core';
import type { DedupStore } from '@callwatch/redis';
import type { AlertEvent, Notification, Template } from '@callwatch/schemas';
import type { Channel, OutboundMessage } from './channels/channel';
import type { NotificationContext } from './context';
import { buildNotification } from './notification-record';
import type { Recipient } from './recipients';
import { renderNotification } from './render';

/** UNFINISHED explains a delivery that is not attempted because an earlier attempt claimed it and never finished. */
export const UNFINISHED = 'an earlier attempt claimed this delivery and never finished (the notifier stopped while sending?): not sent again, so that it is sent at most once';

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
 * deliver renders and sends one alert to one recipient, at most once: it claims the delivery first and skips one
 * that was sent (or claimed by an attempt that never finished),
 * retries retriable failures with backoff, and returns one Notification per attempt (`retrying` for each
 * failure that is retried, then `sent` or `failed`); an empty list means it was already sent.
 */
export async function deliver(input: DeliverInput): Promise<Notification[]> {
  const { alert, recipient, channel, dedup, now = Date.now } = input;
  const key = dedupKey(alert.event_id, recipient.channel, recipient.recipient);
  const records: Notification[] = [];
  const record = (status: Notification['status'], attempt: number, extra: { error?: unknown; messageId?: string } = {}) =>
    records.push(buildNotification(alert, channel.name, recipient.recipient, { status, attempt, atMs: now(), ...extra }));

  const claim = await dedup.claim(key);
  if (claim === 'sent') return [];
  if (claim === 'unfinished') {
    record('skipped', 1, { error: UNFINISHED });
    return records;
  }

  let message: OutboundMessage;
  try {
    message = { ...renderNotification(input.template, input.context), channel: recipient.channel, recipient: recipient.recipient, alert };
  } catch (error) {
    // A broken template is not retriable and should not block other recipients: record it and move on.
    record('failed', 1, { error });
    await dedup.release(key);
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
    await dedup.release(key);
    return records;
  }
  await dedup.markSent(key);
  return records;
}
