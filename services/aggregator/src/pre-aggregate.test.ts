import type { Cdr } from '@callwatch/schemas';
import { preAggregate as fold, type EntityPosition, type PositionedCdr } from './pre-aggregate';

const base = 1_700_000_000_000;
let seq = 0;
function cdr(customer: string, endOffsetMs: number, answered: boolean, id = `id-${seq++}`): Cdr {
  return {
    cdr_id: id, switch_id: 'sw', customer_id: customer, carrier_id: null, call_id: null,
    start_ms: base - 60_000, answer_ms: answered ? base + endOffsetMs - 10_000 : null, end_ms: base + endOffsetMs, sip_code: answered ? 200 : 486,
    pdd_ms: null, caller: null, callee: '1', destination: null, charge: answered ? 0.1 : 0, cost: null, currency: 'USD',
  };
}
const fresh = new Map<string, EntityPosition>();
const preAggregate = (events: PositionedCdr[], periods: number[], positions: Map<string, EntityPosition>, lateness: number) =>
  fold(events, periods, positions, lateness, (c) => `customer:${c.customer_id}`);
const at = (offset: number, value: Cdr) => ({ offset, cdr: value });

describe('preAggregate', () => {
  it('folds a batch into one delta per customer with bucket counters per period', () => {
    const deltas = preAggregate([at(10, cdr('acme', 1_000, true)), at(11, cdr('acme', 2_000, false)), at(12, cdr('beta', 1_000, false)), at(13, cdr('acme', 7_000, true))], [300_000], fresh, 300_000);
    const acme = deltas.get('customer:acme');
    expect(acme).toMatchObject({ maxOffset: 13, maxEventMs: base + 7_000, events: 3, late: 0, duplicates: 0 });
    // 5 s buckets: +1 s and +2 s share a bucket, +7 s is in the next one.
    const buckets = [...(acme?.periods.get(300_000)?.values() ?? [])].map((b) => Object.fromEntries(b));
    expect(buckets).toEqual([
      { a: 2, c200: 1, c486: 1, x: 2, e: 2, n: 1, b: 10_000, s: 0.1 },
      { a: 1, c200: 1, x: 1, e: 1, n: 1, b: 10_000, s: 0.1 },
    ]);
    expect(deltas.get('customer:beta')?.events).toBe(1);
  });

  it('skips events at or below the offset already applied to their entity (redelivery)', () => {
    const events = [10, 11, 12].map((offset) => at(offset, cdr('acme', offset, true)));
    const position = (offset: number) => new Map([['customer:acme', { offset, clockMs: 0, seen: new Set<string>() }]]);
    expect(preAggregate(events, [60_000], position(11), 300_000).get('customer:acme')).toMatchObject({ events: 1, maxOffset: 12 });
    expect(preAggregate(events, [60_000], position(12), 300_000).size).toBe(0);
  });

  it('counts an id once, whether it was seen before or twice in the batch', () => {
    const events = [at(1, cdr('acme', 0, true, 'dup')), at(2, cdr('acme', 0, true, 'dup')), at(3, cdr('acme', 0, true, 'old'))];
    const seen = new Map([['customer:acme', { offset: 0, clockMs: 0, seen: new Set(['old']) }]]);
    expect(preAggregate(events, [60_000], seen, 300_000).get('customer:acme')).toMatchObject({ events: 1, duplicates: 2, maxOffset: 3, ids: [['dup', base]] });
  });

  it('leaves out events more than the lateness behind the newest event, counting them as late', () => {
    const events = [at(1, cdr('acme', 600_000, true)), at(2, cdr('acme', 299_999, false)), at(3, cdr('acme', 300_000, false))];
    const delta = preAggregate(events, [60_000], fresh, 300_000).get('customer:acme');
    expect(delta).toMatchObject({ events: 2, late: 1, maxEventMs: base + 600_000 });
    // The stored clock counts too: an event far behind it is late even as the batch's first.
    const behind = new Map([['customer:acme', { offset: 0, clockMs: base + 900_000, seen: new Set<string>() }]]);
    expect(preAggregate([at(1, cdr('acme', 0, true))], [60_000], behind, 300_000).get('customer:acme')).toMatchObject({ events: 0, late: 1, maxOffset: 1 });
  });
});

describe('preAggregate by carrier', () => {
  it('keys deltas by whatever entity the side counts for', () => {
    const events = [at(1, { ...cdr('acme', 0, true), carrier_id: 'tel1' }), at(2, { ...cdr('beta', 0, false), carrier_id: 'tel1' })];
    const deltas = fold(events, [60_000], fresh, 300_000, (c) => `carrier:${c.carrier_id}`);
    expect([...deltas.keys()]).toEqual(['carrier:tel1']);
    expect(deltas.get('carrier:tel1')?.events).toBe(2);
  });
});
