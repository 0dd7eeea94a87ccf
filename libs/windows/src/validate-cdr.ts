import type { CountedCdr } from './cdr-counters';

// The last millisecond a Date holds (year 275760): a later event time would make every date shown of it throw.
const MAX_EPOCH_MS = 8_640_000_000_000_000;

/** isEpochMs tells whether an event time is a positive epoch millisecond that a Date can hold. */
export function isEpochMs(ms: number): boolean {
  return ms > 0 && ms <= MAX_EPOCH_MS;
}

/** validateCdr returns why a decoded CDR is impossible, or null when it can be counted. */
export function validateCdr(cdr: CountedCdr): string | null {
  if (cdr.cdr_id.trim() === '') return 'cdr_id: expected a non-empty id';
  if (cdr.customer_id.trim() === '') return 'customer_id: expected a non-empty id';
  if (!isEpochMs(cdr.start_ms)) return `start_ms: expected epoch milliseconds, got ${cdr.start_ms}`;
  if (cdr.end_ms < cdr.start_ms) return `end_ms: expected at or after start_ms ${cdr.start_ms}, got ${cdr.end_ms}`;
  if (!isEpochMs(cdr.end_ms)) return `end_ms: expected epoch milliseconds, got ${cdr.end_ms}`;
  if (cdr.answer_ms !== null && (cdr.answer_ms < cdr.start_ms || cdr.answer_ms > cdr.end_ms)) {
    return `answer_ms: expected between start_ms ${cdr.start_ms} and end_ms ${cdr.end_ms}, got ${cdr.answer_ms}`;
  }
  if (!Number.isInteger(cdr.sip_code) || cdr.sip_code < 100 || cdr.sip_code > 699) return `sip_code: expected a SIP final code 100-699, got ${cdr.sip_code}`;
  if (cdr.answer_ms !== null && cdr.sip_code !== 200) return `sip_code: an answered call ends with 200, got ${cdr.sip_code}`;
  if (cdr.pdd_ms !== null && cdr.pdd_ms < 0) return `pdd_ms: expected a non-negative delay, got ${cdr.pdd_ms}`;
  if (!Number.isFinite(cdr.charge)) return `charge: expected a number, got ${cdr.charge}`;
  return null;
}
