import { CallwatchError } from '@callwatch/core';

// SDK v3 error names (the service's error code), not messages, decide the class of a failure.
const THROTTLING = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'LimitExceededException',
  'RequestThrottled', 'RequestLimitExceeded', 'SlowDown', 'ServiceUnavailable', 'InternalFailure', 'InternalError',
  'RequestTimeout', 'RequestTimeoutException', 'TimeoutError',
]);

interface AwsErrorShape {
  name?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * mapAwsError classifies an AWS SDK failure: throttling, 5xx and network errors (no HTTP status) are
 * CW_ERR_DELIVERY (retriable); MessageRejected, an unverified sender and any other 4xx are CW_ERR_DELIVERY_REJECTED.
 */
export function mapAwsError(err: unknown, service: string): CallwatchError {
  if (err instanceof CallwatchError) return err;
  const shape = (typeof err === 'object' && err !== null ? err : {}) as AwsErrorShape;
  const name = shape.name ?? 'Error';
  const status = shape.$metadata?.httpStatusCode;
  const detail = err instanceof Error ? err.message : String(err);
  const details = { service, awsError: name, httpStatus: status ?? null };
  const retriable = THROTTLING.has(name) || status === 429 || (status !== undefined && status >= 500) || shape.$fault === 'server' || status === undefined;
  if (retriable) return new CallwatchError('CW_ERR_DELIVERY', `${service} failed temporarily (${name}): ${detail}`, { cause: err, details });
  return new CallwatchError('CW_ERR_DELIVERY_REJECTED', `${service} rejected the message (${name}): ${detail}`, { cause: err, details });
}
