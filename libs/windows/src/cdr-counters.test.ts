import type { Cdr } from '@callwatch/schemas';
import { cdrCounters } from './cdr-counters';

const call = (over: Partial<Cdr>): Cdr => ({
  cdr_id: 'c', switch_id: 'sw', customer_id: 'acme', carrier_id: null, call_id: null, start_ms: 0, answer_ms: null, end_ms: 30_000,
  sip_code: 486, pdd_ms: null, caller: null, callee: '1', destination: null, charge: 0, cost: null, currency: 'USD', ...over,
});

describe('cdrCounters', () => {
  it.each<[string, Partial<Cdr>, Record<string, number>]>([
    ['a busy call', { sip_code: 486, pdd_ms: 1_200 }, { a: 1, c486: 1, x: 1, e: 1, p: 1_200, q: 1 }],
    ['a redirect (3xx): no NER denominator', { sip_code: 302 }, { a: 1, c302: 1 }],
    ['a 503: counts against NER', { sip_code: 503 }, { a: 1, c503: 1, x: 1 }],
    ['a short answered call with cost', { sip_code: 200, answer_ms: 25_000, charge: 0.05, cost: 0.03 }, { a: 1, c200: 1, x: 1, e: 1, n: 1, b: 5_000, h: 1, s: 0.05, m: 0.05 - 0.03 }],
    ['a long answered call without cost: no margin', { sip_code: 200, answer_ms: 0, charge: 0.5 }, { a: 1, c200: 1, x: 1, e: 1, n: 1, b: 30_000, s: 0.5 }],
  ])('%s', (_, over, expected) => {
    expect(Object.fromEntries(cdrCounters(call(over)))).toEqual(expected);
  });
});
