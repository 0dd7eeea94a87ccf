import { CallwatchError } from '@callwatch/core';
import type { DeliveryChannel } from '@callwatch/schemas';

/**
 * deliveryError builds the error of a failed send: CW_ERR_DELIVERY when a later attempt may succeed (deliver retries
 * it), CW_ERR_DELIVERY_REJECTED when it cannot; the message starts with the channel so a delivery record reads alone.
 */
export function deliveryError(
  channel: DeliveryChannel,
  message: string,
  retriable: boolean,
  details: Record<string, unknown> = {},
  cause?: unknown,
): CallwatchError {
  return new CallwatchError(retriable ? 'CW_ERR_DELIVERY' : 'CW_ERR_DELIVERY_REJECTED', `${channel}: ${message}`, { cause, details });
}
