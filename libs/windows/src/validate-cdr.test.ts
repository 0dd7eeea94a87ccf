import type { Cdr } from '@callwatch/schemas';
import { validateCdr } from './validate-cdr';

const good: Cdr = {
  cdr_id: 'c1', switch_id: 'sw', customer_id: 'acme', carrier_id: null, call_id: null,
  start_ms: 1_700_000_000_000, answer_ms: 1_700_000_001_000, end_ms: 1_700_000_061_000, sip_code: 200,
  pdd_ms: 900, caller: null, callee: '1555', destination: null, charge: 0.1, cost: null, currency: 'USD',
};

describe('validateCdr', () => {
  it('accepts a well-formed answered call and an unanswered one', () => {
    expect(validateCdr(good)).toBeNull();
    expect(validateCdr({ ...good, answer_ms: null, sip_code: 486 })).toBeNull();
  });

  it.each<[string, Partial<Cdr>, RegExp]>([
    ['end before start', { end_ms: good.start_ms - 1 }, /^end_ms: expected at or after start_ms/],
    ['answer after end', { answer_ms: good.end_ms + 1 }, /^answer_ms: expected between/],
    ['answer before start', { answer_ms: good.start_ms - 1 }, /^answer_ms/],
    ['SIP code out of range', { answer_ms: null, sip_code: 999 }, /^sip_code: expected a SIP final code/],
    ['answered but not 200', { sip_code: 486 }, /^sip_code: an answered call ends with 200/],
    ['negative PDD', { pdd_ms: -5 }, /^pdd_ms/],
    ['empty customer', { customer_id: ' ' }, /^customer_id/],
    ['zero start', { start_ms: 0, answer_ms: null, end_ms: 0 }, /^start_ms/],
    // Past the last date a Date holds, every date shown of the call (windows, alerts, emails) would throw.
    ['end past year 275760', { end_ms: 8_700_000_000_000_000 }, /^end_ms: expected epoch milliseconds, got 8700000000000000$/],
  ])('rejects %s', (_, change, reason) => {
    expect(validateCdr({ ...good, ...change })).toMatch(reason);
  });
});
