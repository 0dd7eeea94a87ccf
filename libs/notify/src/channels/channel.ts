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
  /** The alert event being notified; its event_id identifies the message, webhooks send it whole. */
  alert: AlertEvent;
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
