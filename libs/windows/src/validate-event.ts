import type { CountedEvent } from './pre-aggregate';
import { isEpochMs, validateCdr } from './validate-cdr';

const ENTITY = /^(customer|carrier):.+$/;

/** validateEvent returns why a decoded input event is impossible, or null when it can be counted. */
export function validateEvent(event: CountedEvent): string | null {
  switch (event.type) {
    case 'cdr':
      return validateCdr(event);
    case 'call_start':
      if (event.call_id.trim() === '') return 'call_id: expected a non-empty id';
      if (event.customer_id.trim() === '') return 'customer_id: expected a non-empty id';
      return isEpochMs(event.start_ms) ? null : `start_ms: expected epoch milliseconds, got ${event.start_ms}`;
    case 'payment':
      if (event.payment_id.trim() === '') return 'payment_id: expected a non-empty id';
      if (event.customer_id.trim() === '') return 'customer_id: expected a non-empty id';
      if (!Number.isFinite(event.amount)) return `amount: expected a number, got ${event.amount}`;
      return isEpochMs(event.at_ms) ? null : `at_ms: expected epoch milliseconds, got ${event.at_ms}`;
    case 'account':
      if (!ENTITY.test(event.entity)) return `entity: expected customer:<id> or carrier:<id>, got "${event.entity}"`;
      if (!Number.isFinite(event.balance)) return `balance: expected a number, got ${event.balance}`;
      // credit = balance + debit_limit: a negative limit would be a floor read the other way round.
      if (event.debit_limit !== null && !(event.debit_limit >= 0 && Number.isFinite(event.debit_limit))) {
        return `debit_limit: expected null or a number from 0, got ${event.debit_limit}`;
      }
      return isEpochMs(event.at_ms) ? null : `at_ms: expected epoch milliseconds, got ${event.at_ms}`;
  }
}
