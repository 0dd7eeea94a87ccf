import type { EntityMetrics } from './entity-metrics';
import { MemoryStore } from './memory-store';
import { dedupId, preAggregate, type InputEvent, type Side } from './pre-aggregate';

const T0 = 1_800_000_000;

/** A customer's charges and account snapshots, applied one by one as the aggregator's sides would; returns the metrics after each. */
function applied(accountLatenessMs: number, events: InputEvent[]): Array<EntityMetrics | undefined> {
  const store = new MemoryStore({ periodsMs: [60_000], idRetentionMs: 360_000, maxCallMs: 3_600_000, accountLatenessMs });
  return events.map((event, offset) => {
    const side: Side = event.type === 'account' ? 'billing' : 'customer';
    const id = dedupId(event);
    const positions = store.positions(side, new Map([['customer:acme', id === null ? [] : [id]]]));
    const deltas = preAggregate([{ offset, event }], { side, periodsMs: [60_000], latenessMs: 300_000, positions });
    return store.apply(side, [...deltas.values()])[0];
  });
}

/** balances is the balance after each event of `applied`. */
function balances(accountLatenessMs: number, events: InputEvent[]): Array<number | null> {
  return applied(accountLatenessMs, events).map((m) => m?.balance ?? null);
}

const charge = (second: number, amount: number): InputEvent => ({
  type: 'cdr', cdr_id: `c-${second}`, switch_id: 'sw', customer_id: 'acme', carrier_id: null, call_id: null, start_ms: (second - 30) * 1_000,
  answer_ms: (second - 20) * 1_000, end_ms: second * 1_000, sip_code: 200, pdd_ms: null, caller: null, callee: '1', destination: null, charge: amount, cost: null, currency: 'USD',
});
const account = (balance: number, second: number, debitLimit: number | null = null): InputEvent => ({
  type: 'account', entity: 'customer:acme', name: 'Acme', class: null, status: 'active', balance, debit_limit: debitLimit, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: second * 1_000,
});

describe('MemoryStore balance', () => {
  // Charges at T0, T0+10 s and T0+130 s, then one at T0+1 s that arrives late (within the events' lateness).
  const charges = [charge(T0, 1), charge(T0 + 10, 2), charge(T0 + 130, 4), charge(T0 + 1, 8)];

  it.each([
    ['a snapshot within the account lateness: exact', 120_000, T0 + 20, 96],
    ['a snapshot within a longer account lateness: exact', 3_600_000, T0 + 5, 94],
    ['a snapshot older than the movements kept as one sum: they count as after it', 120_000, T0 + 5, 85],
  ])('%s', (_, latenessMs, snapshotSecond, expected) => {
    const seen = balances(latenessMs, [...charges, account(100, snapshotSecond)]);
    expect(seen.slice(0, 4)).toEqual([null, null, null, null]);
    expect(seen[4]).toBe(expected);
  });

  it('keeps counting movements after the snapshot, whichever side of the account lateness they fall', () => {
    const seen = balances(120_000, [...charges, account(100, T0 + 20), charge(T0 + 300, 0.5), charge(T0 + 140, 0.25)]);
    expect(seen.slice(4)).toEqual([96, 95.5, 95.25]);
  });
});

describe('MemoryStore credit', () => {
  const credit = (events: InputEvent[]) => applied(120_000, events).map((m) => [m?.balance ?? null, m?.credit ?? null, m?.creditUsed ?? null]);

  it('follows the live balance with the debit limit of the newest account snapshot', () => {
    expect(credit([account(-10, T0, 100), charge(T0 + 10, 60), charge(T0 + 20, 15), charge(T0 + 30, 40)])).toEqual([
      [-10, 90, 10],
      [-70, 30, 70],
      [-85, 15, 85],
      // The switch let the balance go below the limit.
      [-125, -25, 125],
    ]);
  });

  it('has no value without a limit, and drops it when a newer snapshot has none; an older one changes nothing', () => {
    expect(credit([account(-10, T0), account(-10, T0 + 5, 50), account(-10, T0 + 10), account(-10, T0 + 7, 50)])).toEqual([
      [-10, null, null],
      [-10, 40, 20],
      [-10, null, null],
      [-10, null, null],
    ]);
  });

  it('has credit but no share used with a zero limit', () => {
    expect(credit([account(-10, T0, 0)])).toEqual([[-10, -10, null]]);
  });
});
