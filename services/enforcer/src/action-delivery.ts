import { backoffDelay } from '@callwatch/core';
import type { AttemptResult } from './action-post';

/** DeliveryOptions drive deliverUntilDone: one attempt, the backoff between attempts, and the hooks that tie it to its consumer. */
export interface DeliveryOptions {
  attempt: () => Promise<AttemptResult>;
  backoff: { initialDelayMs: number; maxDelayMs: number; factor: number };
  /** Waits between attempts; rejects when the enforcer stops, which ends the delivery undecided. */
  sleep: (ms: number) => Promise<void>;
  /** Runs before each attempt: a heartbeat to the consumer group, which throws when the partition is no longer ours. */
  beforeAttempt?: () => Promise<void>;
  onAttempt?: (result: AttemptResult, attempt: number, elapsedMs: number) => void;
  onRetry?: (result: AttemptResult & { outcome: 'retry' }, attempt: number, delayMs: number) => void;
  now?: () => number;
  random?: () => number;
}

/** Delivered is a delivery's final outcome: taken by the switch, or rejected for good, and after how many attempts. */
export interface Delivered {
  result: AttemptResult & { outcome: 'delivered' | 'rejected' };
  attempts: number;
}

/**
 * deliverUntilDone tries an action until the switch takes it or rejects it for good. There is no last retry: a
 * penalty must reach the switch, and the actions behind it in the partition wait rather than overtake it.
 */
export async function deliverUntilDone({ attempt, backoff, sleep, beforeAttempt, onAttempt, onRetry, now = Date.now, random }: DeliveryOptions): Promise<Delivered> {
  for (let n = 1; ; n++) {
    await beforeAttempt?.();
    const started = now();
    const result = await attempt();
    onAttempt?.(result, n, now() - started);
    if (result.outcome !== 'retry') return { result, attempts: n };
    const delayMs = backoffDelay(n, backoff, random);
    onRetry?.(result, n, delayMs);
    await sleep(delayMs);
  }
}
