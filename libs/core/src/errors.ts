import { ERROR_CODES } from './error-codes';

/** ErrorCode names one entry of the error catalog in error-codes.ts. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** CallwatchError is the one error type of callwatch: a catalog code, whether a retry may help, and the cause. */
export class CallwatchError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { retriable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CallwatchError';
    this.code = code;
    // The catalog's default applies unless the caller knows better (e.g. a 5xx vs a 4xx from the same API).
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.details = options.details ?? {};
  }
}

/** isRetriable tells whether an error (ours or not) may succeed when tried again. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof CallwatchError) return err.retriable;
  const anyErr = err as { retriable?: unknown } | null;
  return typeof anyErr?.retriable === 'boolean' ? anyErr.retriable : false;
}
