import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { DeliveryChannel } from '@callwatch/schemas';
import { deliveryError } from './delivery-error';
import { shownUrl } from './shown-target';
import type { TargetGuard } from './target-guard';

/** HttpLimits bound one HTTP notification: the whole exchange's time and how much of the answer is read. */
export interface HttpLimits {
  timeoutMs: number;
  maxResponseBytes: number;
}

/** DEFAULT_HTTP_LIMITS are the defaults of NOTIFY_WEBHOOK_TIMEOUT_MS and NOTIFY_WEBHOOK_MAX_RESPONSE_BYTES. */
export const DEFAULT_HTTP_LIMITS: HttpLimits = { timeoutMs: 10_000, maxResponseBytes: 64 * 1024 };

/** HttpPost is one POST: where, what, and, for URLs taken from rules, the guard that vets the address first. */
export interface HttpPost extends HttpLimits {
  channel: DeliveryChannel;
  url: string;
  body: string;
  headers: OutgoingHttpHeaders;
  guard?: TargetGuard;
}

/** HttpAnswer is a final (non-redirect) answer: its status, headers, and the first maxResponseBytes of its body. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body was longer than maxResponseBytes and the connection was closed after that much. */
  truncated: boolean;
}

// Connect to the address the guard checked, whatever DNS says by now (no rebinding between check and connect).
// The host name stays the request's host, so the Host header, SNI and certificate check still use it.
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as unknown as (err: null, addresses: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/** snippet shortens an answer's body to one line for an error message. */
export function snippet(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * postHttp sends one POST and reads its answer: invalid URLs, refused targets and redirects (never followed: they
 * would carry the alert to a host nobody configured) are rejections; network errors and the timeout are retriable.
 * The answer's status is left to the caller, see failureFor.
 */
export async function postHttp({ channel, url, body, headers, guard, timeoutMs, maxResponseBytes }: HttpPost): Promise<HttpAnswer> {
  const target = URL.canParse(url) ? new URL(url) : undefined;
  if (!target || (target.protocol !== 'http:' && target.protocol !== 'https:')) throw deliveryError(channel, `${shownUrl(channel, url)} is not an http(s) URL`, false, { url: shownUrl(channel, url) });
  const pinned = guard ? await guard.resolve(target, channel) : undefined;
  const where = shownUrl(channel, url);
  const answer = await new Promise<HttpAnswer>((resolve, reject) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      // A fresh connection per notification: a pooled one could outlive the address check it was made under.
      agent: false,
      ...(pinned ? { lookup: pinnedLookup(pinned.address, pinned.family) } : {}),
    });
    let timedOut = false;
    const fail = (err: Error) => {
      clearTimeout(timer);
      const why = timedOut ? `no answer within ${timeoutMs} ms` : err.message;
      reject(deliveryError(channel, `POST ${where} failed: ${why}`, true, { url: where, timedOut }, err));
    };
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error('timed out'));
    }, timeoutMs);
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const finish = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).subarray(0, maxResponseBytes).toString('utf8'), truncated });
      };
      res.on('data', (chunk: Buffer) => {
        if (truncated) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size > maxResponseBytes) {
          // Enough: the status already tells the outcome, and a receiver must not hold the notifier with an endless body.
          truncated = true;
          finish();
          req.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', (err) => {
        if (!truncated) fail(err);
      });
    });
    req.end(body);
  });
  if (answer.status >= 300 && answer.status < 400) {
    const location = answer.headers.location ? ` to ${answer.headers.location}` : '';
    throw deliveryError(channel, `POST ${where} answered ${answer.status} (a redirect${location}); redirects are not followed: configure the final URL`, false, { url: where, status: answer.status });
  }
  return answer;
}

/**
 * failureFor classifies an answer that is not a 2xx: 5xx, 408 and 429 may pass if tried again, any other status will
 * not; undefined for a 2xx. `detail` replaces the body snippet in the message when the caller knows better.
 */
export function failureFor(channel: DeliveryChannel, url: string, answer: HttpAnswer, detail = snippet(answer.body)): Error | undefined {
  const { status } = answer;
  if (status >= 200 && status < 300) return undefined;
  const retriable = status >= 500 || status === 408 || status === 429;
  const where = shownUrl(channel, url);
  return deliveryError(channel, `POST ${where} answered ${status}${detail ? `: ${detail}` : ''}`, retriable, { url: where, status });
}
