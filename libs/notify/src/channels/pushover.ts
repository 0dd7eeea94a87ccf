import type { AlertEvent, Level } from '@callwatch/schemas';
import type { Channel, OutboundMessage, SendResult } from './channel';
import { deliveryError } from './delivery-error';
import { DEFAULT_HTTP_LIMITS, failureFor, postHttp, snippet, type HttpLimits } from './http-post';

/** PushoverOptions configure the Pushover channel: the application token, the API base URL, and emergency repeats. */
export interface PushoverOptions extends Partial<HttpLimits> {
  /** PUSHOVER_TOKEN; empty means every Pushover send is rejected. */
  token: string;
  /** PUSHOVER_API_URL, without the /1/messages.json path. */
  apiUrl?: string;
  /** How often Pushover repeats an emergency notification until acknowledged (at least 30 s). */
  emergencyRetryS?: number;
  /** How long Pushover keeps repeating it (at most 10800 s). */
  emergencyExpireS?: number;
  userAgent?: string;
}

/** PUSHOVER_PRIORITIES maps alert levels to Pushover priorities: quiet, normal, high (bypasses quiet hours), emergency (repeats until acknowledged). */
export const PUSHOVER_PRIORITIES: Readonly<Record<Level, -1 | 0 | 1 | 2>> = { info: -1, warning: 0, error: 1, critical: 2 };

/** PUSHOVER_LIMITS are the API's length limits in characters; longer text is cut. */
export const PUSHOVER_LIMITS = { message: 1024, title: 250 } as const;

/** truncate cuts text to at most `max` characters (code points, so no emoji is split), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** pushoverForm builds the form fields of POST /1/messages.json for one notification. */
export function pushoverForm(
  message: Pick<OutboundMessage, 'recipient' | 'subject' | 'text'>,
  alert: AlertEvent,
  { token, emergencyRetryS, emergencyExpireS }: { token: string; emergencyRetryS: number; emergencyExpireS: number },
): URLSearchParams {
  // A resolved alert needs nobody woken up or asked to acknowledge: it goes at normal priority at most.
  const priority = alert.type === 'reset' ? Math.min(PUSHOVER_PRIORITIES[alert.level], 0) : PUSHOVER_PRIORITIES[alert.level];
  const form = new URLSearchParams({
    token,
    user: message.recipient,
    title: truncate(message.subject, PUSHOVER_LIMITS.title),
    message: truncate(message.text, PUSHOVER_LIMITS.message),
    priority: String(priority),
    timestamp: String(Math.floor(alert.at_ms / 1000)),
  });
  // Pushover refuses priority 2 without both.
  if (priority === 2) {
    form.set('retry', String(emergencyRetryS));
    form.set('expire', String(emergencyExpireS));
  }
  return form;
}

// Pushover answers JSON: { status: 1, request } on success, { status: 0, errors: [...] } with a 4xx otherwise.
function parseAnswer(body: string): { status?: unknown; request?: unknown; errors?: unknown } {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * createPushoverChannel sends through Pushover's message API; the priority follows the alert's level. A 4xx is a
 * rejection naming Pushover's errors, 429 (over the monthly quota) and 5xx are retriable. The API URL is the
 * operator's own setting, so the target guard does not apply to it.
 */
export function createPushoverChannel({
  token, apiUrl = 'https://api.pushover.net', emergencyRetryS = 60, emergencyExpireS = 3600, userAgent = 'callwatch-notifier', ...limits
}: PushoverOptions): Channel {
  const { timeoutMs, maxResponseBytes } = { ...DEFAULT_HTTP_LIMITS, ...limits };
  const url = `${apiUrl.replace(/\/+$/, '')}/1/messages.json`;
  return {
    name: 'pushover',
    async send(message: OutboundMessage): Promise<SendResult> {
      if (token === '') throw deliveryError('pushover', 'PUSHOVER_TOKEN is not set: cannot send to Pushover', false, { user: message.recipient });
      const body = pushoverForm(message, message.alert, { token, emergencyRetryS, emergencyExpireS }).toString();
      const headers = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': userAgent };
      const answer = await postHttp({ channel: 'pushover', url, body, headers, timeoutMs, maxResponseBytes });
      const parsed = parseAnswer(answer.body);
      const errors = Array.isArray(parsed.errors) ? parsed.errors.map(String).join('; ') : snippet(answer.body);
      const failure = failureFor('pushover', url, answer, errors);
      if (failure) throw failure;
      // A 2xx that is not Pushover's success answer means PUSHOVER_API_URL points somewhere else: nothing was queued.
      if (parsed.status !== 1) throw deliveryError('pushover', `POST ${url} answered ${answer.status} without status 1: ${errors}`, false, { url, status: answer.status });
      return { messageId: typeof parsed.request === 'string' ? parsed.request : message.deliveryId };
    },
  };
}
