import { createHmac } from 'node:crypto';
import { CallwatchError } from '@callwatch/core';
import type { AlertEvent } from '@callwatch/schemas';
import type { Channel, OutboundMessage, SendResult } from './channel';

/** WebhookOptions configure the webhook channel: the HMAC secret receivers verify, and a request timeout. */
export interface WebhookOptions {
  secret: string;
  timeoutMs?: number;
  userAgent?: string;
}

/** WebhookBody is the JSON every webhook receives: the alert event as on the alert topic, plus the rendered text. */
export interface WebhookBody {
  alert: AlertEvent;
  subject: string;
  text: string;
}

/** SIGNATURE_HEADER carries `sha256=<hex HMAC-SHA256 of the raw body>` keyed with the shared secret. */
export const SIGNATURE_HEADER = 'x-callwatch-signature';
/** EVENT_ID_HEADER carries the alert event id so receivers can drop duplicates without parsing the body. */
export const EVENT_ID_HEADER = 'x-callwatch-event-id';

/** signBody computes the signature header value of a body, as a receiver should recompute it. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

function delivery(message: string, retriable: boolean, details: Record<string, unknown>, cause?: unknown): CallwatchError {
  return new CallwatchError(retriable ? 'CW_ERR_DELIVERY' : 'CW_ERR_DELIVERY_REJECTED', `webhook: ${message}`, { cause, details });
}

/** createWebhookChannel POSTs the signed JSON body to the recipient URL; 5xx, 408, 429 and network errors are retriable, other answers rejected. */
export function createWebhookChannel({ secret, timeoutMs = 10_000, userAgent = 'callwatch-notifier' }: WebhookOptions): Channel {
  return {
    name: 'webhook',
    async send(message: OutboundMessage): Promise<SendResult> {
      const url = message.recipient;
      if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) throw delivery(`"${url}" is not an http(s) URL`, false, { url });
      const payload: WebhookBody = { alert: message.alert, subject: message.subject, text: message.text };
      const body = JSON.stringify(payload);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'user-agent': userAgent,
            [SIGNATURE_HEADER]: signBody(body, secret),
            [EVENT_ID_HEADER]: message.alert.event_id,
          },
          // A redirect would replay a signed alert to a host nobody configured.
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw delivery(`POST ${url} failed: ${(err as Error).message}`, true, { url }, err);
      }
      // Drain the body so the connection goes back to the pool; its content is not needed.
      await response.arrayBuffer().catch(() => undefined);
      const { status } = response;
      if (status >= 200 && status < 300) return { messageId: response.headers.get('x-request-id') ?? message.alert.event_id };
      const retriable = status >= 500 || status === 408 || status === 429;
      throw delivery(`POST ${url} answered ${status}`, retriable, { url, status });
    },
  };
}
