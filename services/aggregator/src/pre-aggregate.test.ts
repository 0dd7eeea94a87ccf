import type { Cdr } from '@callwatch/schemas';
import { preAggregate } from './pre-aggregate';

const base = 1_700_000_000_000;
function cdr(customer: string, endOffsetMs: number, answered: boolean): Cdr {
  return {
    cdr_id: `${customer}-${endOffsetMs}`, switch_id: 'sw', customer_id: customer, carrier_id: null, call_id: null,
    start_ms: base, answer_ms: answered ? base : null, end_ms: base + endOffsetMs, sip_code: answered ? 200 : 486,
    pdd_ms: null, caller: null, callee: '1', destination: null, charge: 0, cost: null, currency: 'USD',
  };
}

describe('preAggregate', () => {
  it('folds a batch into one delta per customer with bucket counters per period', () => {
    const events = [
      { offset: 10, cdr: cdr('acme', 1_000, true) },
      { offset: 11, cdr: cdr('acme', 2_000, false) },
      { offset: 12, cdr: cdr('beta', 1_000, false) },
      { offset: 13, cdr: cdr('acme', 7_000, true) },
    ];
    const deltas = preAggregate(events, [300_000], new Map());
    const acme = deltas.get('customer:acme');
    expect(acme).toMatchObject({ maxOffset: 13, maxEventMs: base + 7_000, events: 3 });
    const buckets = acme?.periods.get(300_000);
    // 5 s buckets: +1 s and +2 s share a bucket, +7 s is in the next one.
    expect([...(buckets?.values() ?? [])]).toEqual([{ attempts: 2, answered: 1 }, { attempts: 1, answered: 1 }]);
    expect(deltas.get('customer:beta')?.events).toBe(1);
  });

  it('skips events at or below the offset already applied to their entity (redelivery)', () => {
    const events = [10, 11, 12].map((offset) => ({ offset, cdr: cdr('acme', offset, true) }));
    const deltas = preAggregate(events, [60_000], new Map([['customer:acme', 11]]));
    expect(deltas.get('customer:acme')).toMatchObject({ events: 1, maxOffset: 12 });
    expect(preAggregate(events, [60_000], new Map([['customer:acme', 12]])).size).toBe(0);
  });
});
