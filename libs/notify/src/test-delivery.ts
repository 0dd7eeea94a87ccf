import type { DedupStore } from '@callwatch/redis';
import type { AlertEvent, Notification, Template } from '@callwatch/schemas';
import type { ChannelSet } from './channels/channel-set';
import type { InlineImage } from './channels/channel';
import type { NotificationContext } from './context';
import { deliver } from './deliver';
import type { Recipient } from './recipients';

// A test event's id is new on every run, so there is nothing to deduplicate against and no mark worth keeping.
const NO_DEDUP: DedupStore = { claim: async () => ({ kind: 'ours' }), renew: async () => {}, markSent: async () => {}, release: async () => {} };

/** TestDelivery is one TEST notification to send: the test alert, what it renders with, to whom, and how. */
export interface TestDelivery {
  alert: AlertEvent;
  context: NotificationContext;
  template: Template;
  recipients: Recipient[];
  channels: ChannelSet;
  images: InlineImage[];
  /** retries of a temporary failure: someone is waiting, so a few seconds' worth */
  retries: number;
}

/**
 * deliverTest sends a TEST notification (`callwatch rules test --send`, the console's test button) to each recipient
 * through the notifier's channels, with its retries and records but without the notifier's dedup; it returns one
 * record per attempt, for the caller to publish on the notification topic.
 */
export async function deliverTest({ alert, context, template, recipients, channels, images, retries }: TestDelivery): Promise<Notification[]> {
  const perRecipient = await Promise.all(
    recipients.map((recipient) => deliver({ alert, context, template, recipient, channel: channels[recipient.channel], dedup: NO_DEDUP, retry: { retries }, images })),
  );
  return perRecipient.flat();
}
