import { retry, type RetryOptions } from '@callwatch/core';
import type { DedupStore } from '@callwatch/redis';
import type { AlertEvent, Notification, Template } from '@callwatch/schemas';
import type { Channel, InlineImage, OutboundMessage } from './channels/channel';
import { placeImages, withChart } from './chart/chart-html';
import type { NotificationContext } from './context';
import { buildNotification } from './notification-record';
import type { Recipient } from './recipients';
import { renderNotification, type RenderedNotification } from './render';

/** UNFINISHED explains a delivery that is not attempted because an earlier attempt claimed it and died while sending (at most once). */
export const UNFINISHED = 'an earlier attempt claimed this delivery and died while sending it; NOTIFY_DELIVERY=at-most-once: not sent again';

/** BUSY explains a delivery that another live attempt kept claimed for longer than this one would wait. */
export const BUSY = 'another attempt kept this delivery claimed (a second notifier during a rebalance?): left to it';

/** dedupKey names one delivery for the dedup store; the channel is the recipient's (email), not the transport (outbox). */
export function dedupKey(alertEventId: string, channel: string, recipient: string): string {
  return JSON.stringify([alertEventId, channel, recipient]);
}

/** DeliverInput is everything deliver needs for one alert and one recipient. */
export interface DeliverInput {
  alert: AlertEvent;
  context: NotificationContext;
  template: Template;
  /** What is delivered once, when not the alert event itself: a digest's id. */
  deliveryId?: string;
  /** The message already rendered (a digest); else the template is rendered with the context. */
  rendered?: RenderedNotification;
  recipient: Recipient;
  channel: Channel;
  dedup: DedupStore;
  /** Backoff and attempts; tests pass a no-op sleep. */
  retry?: Partial<RetryOptions>;
  now?: () => number;
  /** Inline images of the email, e.g. the alert's chart (alertImages); other channels ignore them. */
  images?: InlineImage[];
}

/**
 * deliver renders and sends one alert to one recipient, once: it claims the delivery first and skips one that was
 * sent (recording that attempt again, with its id, so a record lost in a crash is not missing). A claim left by an
 * attempt that died while sending is sent again with the same message id (at least once, the default) or skipped
 * (at most once). Retriable failures are retried with backoff, renewing the claim; it returns one Notification per
 * attempt (`retrying` for each failure that is retried, then `sent` or `failed`).
 */
export async function deliver(input: DeliverInput): Promise<Notification[]> {
  const { alert, recipient, channel, dedup, now = Date.now, images = [] } = input;
  const deliveryId = input.deliveryId ?? alert.event_id;
  const key = dedupKey(deliveryId, recipient.channel, recipient.recipient);
  const records: Notification[] = [];
  const record = (status: Notification['status'], attempt: number, extra: { error?: unknown; messageId?: string; atMs?: number } = {}) =>
    records.push(buildNotification(alert, channel.name, recipient.recipient, { status, attempt, atMs: extra.atMs ?? now(), ...extra }));

  const claim = await claimWhenFree(dedup, key, now, input.retry?.sleep ?? defaultSleep);
  switch (claim.kind) {
    case 'sent':
      if (claim.sent) record('sent', claim.sent.attempt, { messageId: claim.sent.messageId, atMs: claim.sent.atMs });
      return records;
    case 'unfinished':
      record('skipped', 1, { error: UNFINISHED });
      return records;
    case 'busy':
      record('skipped', 1, { error: BUSY });
      return records;
    case 'ours':
    case 'resend':
      break;
  }

  let message: OutboundMessage;
  try {
    const rendered = input.rendered ?? renderNotification(input.template, withChart(input.context, images));
    message = { ...rendered, html: placeImages(rendered.html, images), images, channel: recipient.channel, recipient: recipient.recipient, alert, deliveryId };
  } catch (error) {
    // A broken template is not retriable and should not block other recipients: record it and move on.
    record('failed', 1, { error });
    await dedup.release(key);
    return records;
  }

  let attempt = 0;
  try {
    const { messageId } = await retry(
      async (n) => {
        attempt = n;
        // A retry may come after a long backoff: the claim must outlive it, or another attempt would take it over.
        if (n > 1) await dedup.renew(key, now());
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
    const atMs = now();
    record('sent', attempt, { messageId, atMs });
    await dedup.markSent(key, { attempt, atMs, messageId });
  } catch (error) {
    record('failed', attempt, { error });
    await dedup.release(key);
  }
  return records;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// A live claim belongs to an attempt still sending (a notifier whose partitions moved, or one killed a moment ago
// whose lease has not run out): wait for its lease, a few times at most, rather than send beside it.
const BUSY_WAITS = 3;

async function claimWhenFree(dedup: DedupStore, key: string, now: () => number, sleep: (ms: number) => Promise<void>) {
  let claim = await dedup.claim(key, now());
  for (let waits = 0; claim.kind === 'busy' && waits < BUSY_WAITS; waits++) {
    await sleep(Math.max(0, claim.untilMs - now()) + 50);
    claim = await dedup.claim(key, now());
  }
  return claim;
}
