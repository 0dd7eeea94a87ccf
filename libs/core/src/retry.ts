import { isRetriable } from './errors';

/** RetryOptions bounds a retry loop: attempts in all, and exponential backoff with equal jitter. */
export interface RetryOptions {
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Decides whether an error is worth another try; defaults to the error's `retriable` flag. */
  shouldRetry?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** DEFAULT_RETRY is the production backoff: 5 retries from 200 ms up to 10 s. */
export const DEFAULT_RETRY: RetryOptions = { retries: 5, initialDelayMs: 200, maxDelayMs: 10_000, factor: 2 };

/**
 * backoffDelay is the delay before retry number `attempt` (1-based): exponential and capped, with equal jitter (half
 * of it fixed, half random), so that retries spread out yet never come sooner than half the step.
 */
export function backoffDelay(attempt: number, opts: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor'>, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.initialDelayMs * opts.factor ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** retry calls `fn` until it succeeds, the error is not retriable, or the retries run out; the last error is thrown. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  const opts = { ...DEFAULT_RETRY, ...options };
  const shouldRetry = opts.shouldRetry ?? isRetriable;
  const sleep = opts.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt > opts.retries || !shouldRetry(err)) throw err;
      const delay = backoffDelay(attempt, opts, opts.random);
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}
