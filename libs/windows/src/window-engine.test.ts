import type { EntityMetrics } from './entity-metrics';
import { WindowEngine, type StateChanges, type StoredState } from './window-engine';
import { dedupId, preAggregate, type InputEvent, type Side } from './pre-aggregate';

const T0 = 1_800_000_000;

/** A customer's charges and account snapshots, applied one by one as the aggregator's sides would; returns the metrics after each. */
function applied(accountLatenessMs: number, events: InputEvent[]): Array<EntityMetrics | undefined> {
  const store = new WindowEngine({ periodsMs: [60_000], idRetentionMs: 360_000, maxCallMs: 3_600_000, accountLatenessMs });
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

describe('WindowEngine balance', () => {
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

describe('WindowEngine credit', () => {
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

/** stored applies one checkpoint's changes to a stored state, as Redis does with the checkpoint's writes. */
function stored(state: StoredState, c: StateChanges): void {
  const assign = (into: Record<string, unknown>, pairs: Array<string | Buffer>) => {
    for (let i = 0; i < pairs.length; i += 2) into[pairs[i] as string] = pairs[i + 1];
  };
  for (const f of c.metaGone) delete state.meta[f];
  for (const f of c.windowsGone) delete state.windows[f];
  for (const f of c.startsGone) delete state.starts[f];
  for (const f of c.movesGone) delete state.moves[f];
  for (const f of c.seenGone) delete state.seen[f];
  state.open = state.open.filter(([id]) => !c.closed.includes(id));
  assign(state.meta, c.meta);
  assign(state.windows, c.windows);
  assign(state.starts, c.starts);
  assign(state.moves, c.moves);
  assign(state.seen, c.seen);
  const opened: Array<[string, number]> = [];
  for (let i = 0; i < c.opened.length; i += 2) opened.push([c.opened[i + 1] as string, Number(c.opened[i])]);
  state.open = [...new Map([...state.open, ...opened])];
}

describe('WindowEngine checkpoints', () => {
  // A day's mix for one customer: CDRs with and without call-start events, duplicates, late ones, payments, account
  // snapshots, and gaps that slide windows; every event type the engine keeps state for.
  function traffic(seed: number): Array<InputEvent | { type: 'tick'; atMs: number }> {
    let x = seed;
    const random = () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const out: Array<InputEvent | { type: 'tick'; atMs: number }> = [];
    let now = T0 * 1_000;
    for (let i = 0; i < 600; i++) {
      now += Math.floor(random() * (random() < 0.05 ? 400_000 : 8_000));
      const r = random();
      if (r < 0.06) out.push({ type: 'tick', atMs: now });
      else if (r < 0.1) out.push({ type: 'payment', payment_id: `p${i}`, entity: 'customer:acme', customer_id: 'acme', amount: 5, currency: 'USD', status: 'completed', method: null, at_ms: now } as unknown as InputEvent);
      else if (r < 0.13) out.push({ ...account(1_000 - i, Math.floor((now - random() * 200_000) / 1_000), random() < 0.5 ? 500 : null) });
      else if (r < 0.3) out.push({ type: 'call_start', call_id: `call-${i % 97}`, switch_id: 'sw', customer_id: 'acme', carrier_id: null, caller: null, callee: '1', destination: null, start_ms: now - 3_000 } as unknown as InputEvent);
      else {
        const late = random() < 0.1 ? 600_000 : 0;
        const id = random() < 0.1 && i > 0 ? `c-${i - 1}` : `c-${i}`;
        const answered = random() < 0.6;
        out.push({
          ...charge(Math.floor((now - late) / 1_000), answered ? 0.01 * (i % 7) : 0), cdr_id: id, call_id: random() < 0.5 ? `call-${i % 97}` : null,
          answer_ms: answered ? now - late - 20_000 : null, sip_code: answered ? 200 : 486, pdd_ms: Math.floor(random() * 3_000),
        } as InputEvent);
      }
    }
    return out;
  }

  it.each([1, 2, 3])('gives the same metrics when the entity is dropped and reloaded from its checkpoint after every event (seed %s)', (seed) => {
    const options = { periodsMs: [60_000, 300_000], idRetentionMs: 600_000, maxCallMs: 120_000, accountLatenessMs: 120_000 };
    const kept = new WindowEngine(options);
    const reloaded = new WindowEngine({ ...options, track: true });
    const state: StoredState = { meta: {}, windows: {}, seen: {}, starts: {}, open: [], moves: {} };
    const entity = 'customer:acme';
    let checkpoints = 0;
    traffic(seed).forEach((event, offset) => {
      const step = (engine: WindowEngine) => {
        if (event.type === 'tick') return engine.tick([entity], event.atMs)[0];
        const side: Side = event.type === 'account' || event.type === 'payment' ? 'billing' : 'customer';
        const id = dedupId(event);
        const positions = engine.positions(side, new Map([[entity, id === null ? [] : [id]]]));
        const deltas = preAggregate([{ offset, event }], { side, periodsMs: options.periodsMs, latenessMs: 300_000, positions });
        return engine.apply(side, [...deltas.values()])[0];
      };
      const expected = step(kept);
      const actual = step(reloaded);
      expect(actual).toEqual(expected);
      const changes = reloaded.takeChanges(entity);
      if (changes) {
        checkpoints++;
        stored(state, changes);
        reloaded.evict(entity);
        reloaded.load(entity, { ...(JSON.parse(JSON.stringify({ ...state, seen: {} })) as StoredState), seen: { ...state.seen } });
      }
    });
    expect(checkpoints).toBeGreaterThan(400);
  });

  it.each([
    ['within the dedup horizon: dropped as a duplicate', 360_000, { attempts: 3, duplicates: 1, balance: 93 }],
    ['past a shorter horizon: counted again (late, so out of windows, but its money moves)', 300_000, { attempts: 3, duplicates: 0, balance: 92 }],
  ])('a CDR sent again 5.5 minutes later, %s', (_, idRetentionMs, expected) => {
    const engine = new WindowEngine({ periodsMs: [3_600_000], idRetentionMs, maxCallMs: 3_600_000 });
    let duplicates = 0;
    let last: EntityMetrics | undefined;
    [account(100, T0 - 1), charge(T0, 1), charge(T0 + 100, 2), charge(T0 + 330, 4), charge(T0, 1)].forEach((event, offset) => {
      const side: Side = event.type === 'account' ? 'billing' : 'customer';
      const id = dedupId(event);
      const positions = engine.positions(side, new Map([['customer:acme', id === null ? [] : [id]]]));
      const deltas = [...preAggregate([{ offset, event }], { side, periodsMs: [3_600_000], latenessMs: 300_000, positions }).values()];
      duplicates += deltas.reduce((n, d) => n + d.duplicates, 0);
      last = engine.apply(side, deltas)[0];
    });
    expect({ attempts: last?.windows[0]?.attempts, duplicates, balance: last?.balance }).toEqual(expected);
  });

  it('drops the windows of a period no longer kept, buckets and totals', () => {
    const engine = new WindowEngine({ periodsMs: [60_000, 300_000], idRetentionMs: 600_000, maxCallMs: 120_000, track: true });
    const positions = engine.positions('customer', new Map([['customer:acme', ['c-1']]]));
    const deltas = preAggregate([{ offset: 0, event: charge(T0, 1) }], { side: 'customer', periodsMs: [60_000, 300_000], latenessMs: 300_000, positions });
    engine.apply('customer', [...deltas.values()]);
    const fields = (pairs: string[] = []) => pairs.filter((_, i) => i % 2 === 0);
    expect(fields(engine.takeChanges('customer:acme')?.windows).sort()).toEqual([`300000:${T0 / 5}`, '300000:tot', `60000:${T0}`, '60000:tot']);
    engine.setPeriods([60_000], 600_000);
    engine.tick(['customer:acme'], T0 * 1_000 + 1_000);
    const changes = engine.takeChanges('customer:acme');
    // The bucket of the call's start second is marked too (it holds the window's peak of calls started).
    expect(changes?.windowsGone.sort()).toEqual([`300000:${(T0 - 30) / 5}`, `300000:${T0 / 5}`, '300000:tot']);
    expect(fields(changes?.windows)).toEqual(['60000:tot']);
    expect(changes?.meta[(changes?.meta.indexOf('periods') ?? 0) + 1]).toBe('60000');
  });
});
