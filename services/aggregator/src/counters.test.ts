import type { Cdr } from '@callwatch/schemas';
import { cdrCounters, deriveWindow } from './counters';

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

describe('deriveWindow', () => {
  it('computes every windowed area from summed counters', () => {
    const w = deriveWindow(300_000, { a: 10, n: 4, e: 8, x: 9, b: 200_000, p: 12_000, q: 6, s: 1.2345674, m: 0.5, h: 1, k: 3, c200: 4, c486: 6, c503: 0 });
    expect(w).toEqual({
      sample_period_ms: 300_000, attempts: 10, answered: 4, asr: 40, ner: (8 / 9) * 100, acd: 50, pdd: 2_000, cps: 3,
      spend: 1.234567, margin: 0.5, sdr: 25, codes: { '200': 4, '486': 6 },
    });
  });

  it('gives no value where a ratio has nothing to divide by', () => {
    expect(deriveWindow(60_000, {})).toMatchObject({ attempts: 0, asr: null, ner: null, acd: null, pdd: null, sdr: null, spend: 0, margin: 0 });
  });
});
