import type { AlertEvent, DeliveryChannel } from '@callwatch/schemas';
import type { RecipientChannel } from '../recipients';

/** OutboundMessage is one rendered notification for one recipient, as every channel receives it. */
export interface OutboundMessage {
  /** The channel the recipient asked for; the outbox uses it to decide between an .eml and an .sms.txt. */
  channel: RecipientChannel;
  recipient: string;
  subject: string;
  html: string;
  text: string;
  sms: string;
  /** The alert event being notified (a digest's worst); webhooks send it whole. */
  alert: AlertEvent;
  /**
   * What is delivered once: the alert event id, or a digest's id. Every resend of it carries the same email
   * Message-ID, webhook Idempotency-Key and Slack/Pushover dedup fields, so receivers can drop the copy.
   */
  deliveryId: string;
  /** Images the html shows inline (`<img src="cid:…">`): email carries them, other channels ignore them. */
  images?: InlineImage[];
}

/** InlineImage is a PNG an email carries as a related part, shown by the html through its Content-ID. */
export interface InlineImage {
  /** The Content-ID without angle brackets, as `cid:` URLs name it. */
  cid: string;
  png: Buffer;
  alt: string;
  width: number;
  height: number;
}

/** SendResult is what a channel knows about a message it accepted: the provider's id, or the outbox file path. */
export interface SendResult {
  messageId: string;
}

/**
 * Channel delivers a message one way (SES, SNS, webhook, outbox); it throws CW_ERR_DELIVERY when a retry may
 * help and CW_ERR_DELIVERY_REJECTED when it cannot.
 */
export interface Channel {
  readonly name: DeliveryChannel;
  send(message: OutboundMessage): Promise<SendResult>;
}
