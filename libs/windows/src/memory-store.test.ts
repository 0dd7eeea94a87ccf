import { MemoryStore } from './memory-store';
import { dedupId, preAggregate, type InputEvent, type Side } from './pre-aggregate';

const T0 = 1_800_000_000;

/** A customer's charges and account snapshots, applied one by one as the aggregator's sides would; returns the balance after each. */
function balances(accountLatenessMs: number, events: InputEvent[]): Array<number | null> {
  const store = new MemoryStore({ periodsMs: [60_000], idRetentionMs: 360_000, maxCallMs: 3_600_000, accountLatenessMs });
  return events.map((event, offset) => {
    const side: Side = event.type === 'account' ? 'billing' : 'customer';
    const id = dedupId(event);
    const positions = store.positions(side, new Map([['customer:acme', id === null ? [] : [id]]]));
    const deltas = preAggregate([{ offset, event }], { side, periodsMs: [60_000], latenessMs: 300_000, positions });
    return store.apply(side, [...deltas.values()])[0]?.balance ?? null;
  });
}

const charge = (second: number, amount: number): InputEvent => ({
  type: 'cdr', cdr_id: `c-${second}`, switch_id: 'sw', customer_id: 'acme', carrier_id: null, call_id: null, start_ms: (second - 30) * 1_000,
  answer_ms: (second - 20) * 1_000, end_ms: second * 1_000, sip_code: 200, pdd_ms: null, caller: null, callee: '1', destination: null, charge: amount, cost: null, currency: 'USD',
});
const account = (balance: number, second: number): InputEvent => ({
  type: 'account', entity: 'customer:acme', name: 'Acme', class: null, status: 'active', balance, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: second * 1_000,
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
