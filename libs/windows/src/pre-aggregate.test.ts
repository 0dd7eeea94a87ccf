import type { Cdr } from '@callwatch/schemas';
import { idsByEntity, preAggregate as fold, type EntityPosition, type PositionedEvent, type Side } from './pre-aggregate';

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
const preAggregate = (events: PositionedEvent[], periodsMs: number[], positions: Map<string, EntityPosition>, latenessMs: number, side: Side = 'customer') =>
  fold(events, { side, periodsMs, positions, latenessMs });
const at = (offset: number, value: Cdr): PositionedEvent => ({ offset, event: { type: 'cdr', ...value } });
const position = (offset: number, clockMs = 0, seen: string[] = []) => ({ offset, clockMs, seen: new Set(seen), callStarts: false });

describe('preAggregate', () => {
  it('folds a batch into one delta per customer with bucket counters per period', () => {
    const deltas = preAggregate([at(10, cdr('acme', 1_000, true)), at(11, cdr('acme', 2_000, false)), at(12, cdr('beta', 1_000, false)), at(13, cdr('acme', 7_000, true))], [300_000], fresh, 300_000);
    const acme = deltas.get('customer:acme');
    expect(acme).toMatchObject({ maxOffset: 13, maxEventMs: base + 7_000, events: 3, late: 0, duplicates: 0 });
    // 5 s buckets: +1 s and +2 s share a bucket, +7 s is in the next one.
    const buckets = [...(acme?.periods.get(300_000)?.values() ?? [])];
    expect(buckets).toEqual([
      { a: 2, c200: 1, c486: 1, x: 2, e: 2, n: 1, b: 10_000, s: 0.1 },
      { a: 1, c200: 1, x: 1, e: 1, n: 1, b: 10_000, s: 0.1 },
    ]);
    expect(deltas.get('customer:beta')?.events).toBe(1);
  });

  it('places each CDR in the bucket of every period that holds its end time, also when bucket sizes do not divide', () => {
    // 5m and 7m: 5 s and 7 s buckets, which tile only at 35 s; each CDR's bucket is floor(end / g) in both.
    const ends = [0, 4_999, 5_000, 6_999, 7_000, 13_999, 14_000, 34_999, 35_000];
    const deltas = preAggregate(ends.map((end, i) => at(i, cdr('acme', end, false))), [300_000, 420_000], fresh, 300_000);
    for (const [period, g] of [[300_000, 5_000], [420_000, 7_000]] as const) {
      const expected = new Map<number, number>();
      for (const end of ends) expected.set(Math.floor((base + end) / g), (expected.get(Math.floor((base + end) / g)) ?? 0) + 1);
      const buckets = deltas.get('customer:acme')?.periods.get(period) ?? new Map();
      expect(new Map([...buckets].map(([b, counters]) => [b, counters.a]))).toEqual(expected);
    }
  });

  it('counts an event for the entity it was named for, or names it from the side when it was not, alike in idsByEntity', () => {
    // What the aggregator names once per event as it reads it; the string, not the event, decides.
    const named: PositionedEvent[] = [{ ...at(1, cdr('acme', 1_000, true, 'x1')), entity: 'customer:named' }, at(2, cdr('acme', 2_000, true, 'x2')), { ...at(3, cdr('acme', 3_000, true, 'x3')), entity: null }];
    const deltas = preAggregate(named, [300_000], fresh, 300_000);
    expect([...deltas.keys()].sort()).toEqual(['customer:acme', 'customer:named']);
    expect(deltas.get('customer:named')?.ids).toEqual([['x1', base + 1_000]]);
    expect(deltas.get('customer:acme')?.ids).toEqual([['x2', base + 2_000]]);
    expect(idsByEntity('customer', named)).toEqual(new Map([['customer:named', ['x1']], ['customer:acme', ['x2']]]));
  });

  it('skips events at or below the offset already applied to their entity (redelivery)', () => {
    const events = [10, 11, 12].map((offset) => at(offset, cdr('acme', offset, true)));
    const at11 = new Map([['customer:acme', position(11)]]);
    expect(preAggregate(events, [60_000], at11, 300_000).get('customer:acme')).toMatchObject({ events: 1, maxOffset: 12 });
    expect(preAggregate(events, [60_000], new Map([['customer:acme', position(12)]]), 300_000).size).toBe(0);
  });

  it('counts an id once, whether it was seen before or twice in the batch', () => {
    const events = [at(1, cdr('acme', 0, true, 'dup')), at(2, cdr('acme', 0, true, 'dup')), at(3, cdr('acme', 0, true, 'old'))];
    const seen = new Map([['customer:acme', position(0, 0, ['old'])]]);
    expect(preAggregate(events, [60_000], seen, 300_000).get('customer:acme')).toMatchObject({ events: 1, duplicates: 2, maxOffset: 3, ids: [['dup', base]] });
  });

  it('leaves out events more than the lateness behind the newest event, counting them as late', () => {
    const events = [at(1, cdr('acme', 600_000, true)), at(2, cdr('acme', 299_999, false)), at(3, cdr('acme', 300_000, false))];
    const delta = preAggregate(events, [60_000], fresh, 300_000).get('customer:acme');
    expect(delta).toMatchObject({ events: 2, late: 1, maxEventMs: base + 600_000 });
    // The stored clock counts too: an event far behind it is late even as the batch's first.
    const behind = new Map([['customer:acme', position(0, base + 900_000)]]);
    expect(preAggregate([at(1, cdr('acme', 0, true))], [60_000], behind, 300_000).get('customer:acme')).toMatchObject({ events: 0, late: 1, maxOffset: 1 });
  });
});

describe('preAggregate by carrier', () => {
  it('keys deltas by whatever entity the side counts for', () => {
    const events = [at(1, { ...cdr('acme', 0, true), carrier_id: 'tel1' }), at(2, { ...cdr('beta', 0, false), carrier_id: 'tel1' })];
    const deltas = preAggregate(events, [60_000], fresh, 300_000, 'carrier');
    expect([...deltas.keys()]).toEqual(['carrier:tel1']);
    expect(deltas.get('carrier:tel1')?.events).toBe(2);
  });
});

describe('preAggregate: call starts, payments and account snapshots', () => {
  const start = (offset: number, callId: string, startMs: number, carrier: string | null = null): PositionedEvent => ({ offset, event: { type: 'call_start', call_id: callId, customer_id: 'acme', carrier_id: carrier, start_ms: startMs } });
  const payment = (offset: number, id: string, amount: number, status: 'completed' | 'pending' = 'completed'): PositionedEvent => ({
    offset, event: { type: 'payment', payment_id: id, customer_id: 'acme', amount, status, source: 'portal', at_ms: base + 1_500 },
  });

  it('counts CDR starts per second when the entity has no call-start events, and charges as money out', () => {
    const a = { ...cdr('acme', 0, true), start_ms: base + 200, cost: 0.04 };
    const b = { ...cdr('acme', 0, true), start_ms: base + 900, cost: 0.04 };
    const delta = preAggregate([at(1, a), at(2, b)], [60_000], fresh, 300_000).get('customer:acme');
    expect([...(delta?.starts ?? [])]).toEqual([[base / 1000, 2]]);
    expect(delta?.calls).toEqual([]);
    expect([...(delta?.moves ?? [])]).toEqual([[base / 1000, -0.2]]);
    // The carrier's account is drawn down by the cost instead.
    const carrier = preAggregate([at(1, { ...a, carrier_id: 'tel1' })], [60_000], fresh, 300_000, 'carrier').get('carrier:tel1');
    expect([...(carrier?.moves ?? [])]).toEqual([[base / 1000, -0.04]]);
  });

  it('leaves call ends to Redis when the entity has call-start events', () => {
    const withStarts = new Map([['customer:acme', { ...position(0), callStarts: true }]]);
    const call = { ...cdr('acme', 0, true), call_id: 'c1' };
    const delta = preAggregate([at(1, call), at(2, cdr('acme', 0, false))], [60_000], withStarts, 300_000).get('customer:acme');
    expect(delta?.calls).toEqual([['c1', Math.floor(call.start_ms / 1000), call.end_ms]]);
    // A CDR without a call id still counts its own start.
    expect([...(delta?.starts ?? [])]).toEqual([[Math.floor(call.start_ms / 1000), 1]]);
  });

  it('passes call starts on, moving the clock, and counts a start far behind the clock as late', () => {
    const delta = preAggregate([start(1, 'c1', base + 600_000), start(2, 'c2', base), start(3, 'c3', base + 599_000)], [60_000], fresh, 300_000).get('customer:acme');
    expect(delta).toMatchObject({ opens: [['c1', base + 600_000], ['c3', base + 599_000]], late: 1, maxEventMs: base + 600_000 });
    // Only the customer side and a carrier side with a carrier count a call start.
    expect(preAggregate([start(1, 'c1', base)], [60_000], fresh, 300_000, 'carrier').size).toBe(0);
    expect(preAggregate([start(1, 'c1', base, 'tel1')], [60_000], fresh, 300_000, 'carrier').get('carrier:tel1')?.opens).toHaveLength(1);
  });

  it('moves the balance by completed payments once per payment id, on the billing side', () => {
    const seen = new Map([['customer:acme', position(0, 0, ['pay:p0'])]]);
    const events = [payment(1, 'p1', 10), payment(2, 'p1', 10), payment(3, 'p2', 5, 'pending'), payment(4, 'p3', -2.5), payment(5, 'p0', 99)];
    const delta = preAggregate(events, [60_000], seen, 300_000, 'billing').get('customer:acme');
    expect([...(delta?.moves ?? [])]).toEqual([[(base + 1_500 - 500) / 1000, 7.5]]);
    expect(delta).toMatchObject({ duplicates: 2, ids: [['pay:p1', base + 1_500], ['pay:p3', base + 1_500]] });
    expect(preAggregate(events, [60_000], seen, 300_000, 'customer').size).toBe(0);
  });

  it('keeps the newest account snapshot of a batch, with its debit limit', () => {
    const account = (offset: number, balance: number, atMs: number, limit: number | null): PositionedEvent => ({
      offset, event: { type: 'account', entity: 'carrier:tel1', name: 'Tel One', class: null, status: 'active', balance, debit_limit: limit, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: atMs },
    });
    const delta = preAggregate([account(1, 50, base + 2, null), account(2, 40, base + 1, 100)], [60_000], fresh, 300_000, 'billing').get('carrier:tel1');
    expect(delta?.account).toEqual([50, base + 2, null]);
    const limited = preAggregate([account(1, 50, base + 2, 100), account(2, 40, base + 1, null)], [60_000], fresh, 300_000, 'billing').get('carrier:tel1');
    expect(limited?.account).toEqual([50, base + 2, 100]);
  });

  it('still moves money for a late CDR it leaves out of the windows', () => {
    const behind = new Map([['customer:acme', position(0, base + 900_000)]]);
    const delta = preAggregate([at(1, cdr('acme', 0, true))], [60_000], behind, 300_000).get('customer:acme');
    expect(delta).toMatchObject({ late: 1, events: 0 });
    expect([...(delta?.moves ?? [])]).toEqual([[base / 1000, -0.1]]);
  });
});

describe('idsByEntity', () => {
  it('lists each entity of a side with its events\' ids; a carrier side skips CDRs without a carrier', () => {
    const events = [at(0, cdr('a', 0, true, 'x1')), at(1, cdr('b', 0, false, 'x2')), at(2, cdr('a', 0, true, 'x3'))];
    expect(idsByEntity('customer', events)).toEqual(new Map([['customer:a', ['x1', 'x3']], ['customer:b', ['x2']]]));
    expect(idsByEntity('carrier', events)).toEqual(new Map());
  });
});
