import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AlertEvent } from '@callwatch/schemas';
import type { Channel, OutboundMessage, SendResult } from './channel';
import { deliveryError } from './delivery-error';
import { DEFAULT_HTTP_LIMITS, failureFor, postHttp, type HttpLimits } from './http-post';
import type { TargetGuard } from './target-guard';

/** WebhookOptions configure the webhook channel: the HMAC secret receivers verify, the guard on target addresses, and the limits. */
export interface WebhookOptions extends Partial<HttpLimits> {
  /** WEBHOOK_SECRET; empty means every webhook send is rejected, since an unsigned alert cannot be trusted. */
  secret: string;
  guard: TargetGuard;
  userAgent?: string;
  now?: () => number;
}

/** WebhookBody is the JSON every webhook receives: the alert event as on the alert topic, plus the rendered text. */
export interface WebhookBody {
  alert: AlertEvent;
  subject: string;
  text: string;
}

/** SIGNATURE_HEADER carries `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed with WEBHOOK_SECRET. */
export const SIGNATURE_HEADER = 'x-callwatch-signature';
/** EVENT_ID_HEADER carries the alert event id, so receivers can tell which alert a request is about without parsing the body. */
export const EVENT_ID_HEADER = 'x-callwatch-event-id';
/** IDEMPOTENCY_KEY_HEADER carries the delivery id (the alert event id, or a digest's id), the same on every retry and resend, so receivers can drop duplicates. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
// How old (or how far ahead) a signature timestamp verifyWebhookSignature accepts by default.
const DEFAULT_SIGNATURE_TOLERANCE_S = 300;

function hmac(timestamp: string, body: string | Buffer, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/** signWebhook computes the signature header of a body sent at `nowMs`: the timestamp is signed with the body so a captured request cannot be replayed later. */
export function signWebhook(body: string | Buffer, secret: string, nowMs: number): string {
  const timestamp = String(Math.floor(nowMs / 1000));
  return `t=${timestamp},v1=${hmac(timestamp, body, secret).toString('hex')}`;
}

/**
 * verifyWebhookSignature is what a receiver runs on the raw body before trusting it: the header must carry a
 * timestamp within `toleranceS` of `nowMs` and a v1 HMAC of `<timestamp>.<body>` under the secret (compared in
 * constant time).
 */
export function verifyWebhookSignature(
  header: string | undefined,
  body: string | Buffer,
  secret: string,
  { toleranceS = DEFAULT_SIGNATURE_TOLERANCE_S, nowMs = Date.now() }: { toleranceS?: number; nowMs?: number } = {},
): boolean {
  const fields = new Map((header ?? '').split(',').map((part) => {
    const at = part.indexOf('=');
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
  }));
  const timestamp = fields.get('t') ?? '';
  const signature = fields.get('v1') ?? '';
  if (!/^\d+$/.test(timestamp) || !/^[0-9a-f]{64}$/.test(signature) || secret === '') return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceS) return false;
  return timingSafeEqual(Buffer.from(signature, 'hex'), hmac(timestamp, body, secret));
}

/**
 * createWebhookChannel POSTs the signed JSON body to the recipient URL after the guard has vetted its address;
 * 5xx, 408, 429, network errors and timeouts are retriable, other answers, redirects and refused targets are not.
 */
export function createWebhookChannel({ secret, guard, userAgent = 'callwatch-notifier', now = Date.now, ...limits }: WebhookOptions): Channel {
  const { timeoutMs, maxResponseBytes } = { ...DEFAULT_HTTP_LIMITS, ...limits };
  return {
    name: 'webhook',
    async send(message: OutboundMessage): Promise<SendResult> {
      const url = message.recipient;
      if (secret === '') throw deliveryError('webhook', 'WEBHOOK_SECRET is not set: webhooks are not sent unsigned', false, { url });
      const payload: WebhookBody = { alert: message.alert, subject: message.subject, text: message.text };
      const body = JSON.stringify(payload);
      const headers = {
        'content-type': 'application/json',
        'user-agent': userAgent,
        [SIGNATURE_HEADER]: signWebhook(body, secret, now()),
        [IDEMPOTENCY_KEY_HEADER]: message.deliveryId,
        [EVENT_ID_HEADER]: message.alert.event_id,
      };
      const answer = await postHttp({ channel: 'webhook', url, body, headers, guard, timeoutMs, maxResponseBytes });
      const failure = failureFor('webhook', url, answer);
      if (failure) throw failure;
      const requestId = answer.headers['x-request-id'];
      return { messageId: typeof requestId === 'string' && requestId !== '' ? requestId : message.deliveryId };
    },
  };
}
