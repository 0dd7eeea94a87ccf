import { isRetriable } from '@callwatch/core';
import { DEFAULT_HTTP_LIMITS, IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER, failureFor, postHttp, signWebhook, type TargetGuard } from '@callwatch/notify/webhook';
import type { Action } from '@callwatch/schemas';

/** ActionPostOptions are what one POST of an action needs besides the action: the key that signs it, the guard, the time limit. */
export interface ActionPostOptions {
  secret: string;
  guard: TargetGuard;
  timeoutMs: number;
  now?: () => number;
}

/**
 * AttemptResult is how one POST of an action ended: `delivered` (a 2xx), `rejected` (a 4xx other than 408 and 429:
 * the switch will never take this action), or `retry` (anything else: the switch, or the way to it, is not there yet).
 */
export type AttemptResult =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'rejected'; status: number; error: Error }
  | { outcome: 'retry'; error: Error };

/** ACTION_USER_AGENT names the sender of action webhooks, as `callwatch-notifier` names the notifier's. */
export const ACTION_USER_AGENT = 'callwatch-enforcer';

/**
 * postAction POSTs the action as JSON (its fields as on the action topic), signed as notification webhooks are,
 * with the action id as Idempotency-Key. It is signed at each attempt, so a retry after minutes is not refused as
 * a replay. Errors before an answer (network, timeout, a redirect, a refused target) are retried: they are about
 * the target, not about this action, and skipping would leave the switch without a penalty.
 */
export async function postAction(url: string, action: Action, { secret, guard, timeoutMs, now = Date.now }: ActionPostOptions): Promise<AttemptResult> {
  const body = JSON.stringify(action);
  const headers = {
    'content-type': 'application/json',
    'user-agent': ACTION_USER_AGENT,
    [SIGNATURE_HEADER]: signWebhook(body, secret, now()),
    [IDEMPOTENCY_KEY_HEADER]: action.action_id,
  };
  let answer;
  try {
    answer = await postHttp({ channel: 'webhook', url, body, headers, guard, timeoutMs, maxResponseBytes: DEFAULT_HTTP_LIMITS.maxResponseBytes });
  } catch (err) {
    return { outcome: 'retry', error: err as Error };
  }
  const failure = failureFor('webhook', url, answer);
  if (failure === undefined) return { outcome: 'delivered', status: answer.status };
  return isRetriable(failure) ? { outcome: 'retry', error: failure } : { outcome: 'rejected', status: answer.status, error: failure };
}
