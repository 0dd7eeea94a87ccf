import type { Account, CallStart, Cdr, Payment } from '@callwatch/schemas';
import { bucketSizeMs } from './buckets';
import { CdrCounters, type CountedCdr } from './cdr-counters';
import { roundMoney } from './counters';

/** InputEvent is one input event with its `type`, as in the JSON lines of docs/design.md ("Input events") (the Avro fields plus `type`). */
export type InputEvent =
  | ({ type: 'cdr' } & Cdr)
  | ({ type: 'call_start' } & CallStart)
  | ({ type: 'payment' } & Payment)
  | ({ type: 'account' } & Account);

/** CountedEvent is an input event as windows read it: of a CDR, only its counted fields (an InputEvent is one too). */
export type CountedEvent = Exclude<InputEvent, { type: 'cdr' }> | ({ type: 'cdr' } & CountedCdr);

/** PositionedEvent is a valid input event with its offset in the source partition. */
export interface PositionedEvent {
  offset: number;
  event: CountedEvent;
  /** the event as it came from Kafka, when it did (the customer side forwards these bytes to the carrier side) */
  bytes?: Buffer | null;
  /** the entity it counts for on its batch's side, when already named (`entityOf`): one string per event, not one per use */
  entity?: string | null;
}

/** Side is which entity of an event a consumer counts for: CDRs and call starts by customer or by carrier, billing by its entity. */
export type Side = 'customer' | 'carrier' | 'billing';

/** EntityDelta is what one batch adds to one entity: window counters, call starts, money, ids, lateness, position. */
export interface EntityDelta {
  entity: string;
  maxOffset: number;
  maxEventMs: number;
  /** period ms -> bucket index -> counter name -> amount */
  periods: Map<number, Map<number, Record<string, number>>>;
  /** ids of the counted events with their event times (remembered to drop later duplicates) */
  ids: Array<[string, number]>;
  /** call starts per second, from CDRs of an entity without call-start events */
  starts: Map<number, number>;
  /** CDRs that end a call, for an entity with call-start events: [call id, start second, end ms] */
  calls: Array<[string, number, number]>;
  /** call-start events: [call id, start ms] */
  opens: Array<[string, number]>;
  /** money movements per second (payments in, charges out) */
  moves: Map<number, number>;
  /** the newest account snapshot in the batch: [balance, at ms, debit limit] */
  account: [number, number, number | null] | null;
  events: number;
  late: number;
  duplicates: number;
}

/** EntityPosition is what Redis knows of an entity before a batch: last offset applied, clock, ids seen, whether it has call starts. */
export interface EntityPosition {
  offset: number;
  clockMs: number;
  seen: ReadonlySet<string>;
  callStarts: boolean;
}

/** entityOf names the entity an event counts for on one side, or null when it counts for none there. */
export function entityOf(side: Side, event: CountedEvent): string | null {
  switch (event.type) {
    case 'cdr':
    case 'call_start':
      if (side === 'customer') return `customer:${event.customer_id}`;
      return side === 'carrier' && event.carrier_id !== null ? `carrier:${event.carrier_id}` : null;
    case 'payment':
      return side === 'billing' ? `customer:${event.customer_id}` : null;
    case 'account':
      return side === 'billing' ? event.entity : null;
  }
}

/** entityAt is the entity a positioned event counts for on one side (null: none there). */
export function entityAt(side: Side, positioned: PositionedEvent): string | null {
  return positioned.entity !== undefined ? positioned.entity : entityOf(side, positioned.event);
}

/** dedupId is the id that makes an event count once (call starts are deduplicated by call id in Redis). */
export function dedupId(event: CountedEvent): string | null {
  if (event.type === 'cdr') return event.cdr_id;
  if (event.type === 'payment') return `pay:${event.payment_id}`;
  return null;
}

/**
 * idsByEntity lists the entities a batch's events touch on one side, each with the ids of its events (those whose
 * duplicates its state is asked about): what a batch loads, and the positions it folds from.
 */
export function idsByEntity(side: Side, events: readonly PositionedEvent[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const positioned of events) {
    const { event } = positioned;
    const entity = entityAt(side, positioned);
    if (entity === null) continue;
    const id = dedupId(event);
    const ids = out.get(entity) ?? [];
    if (id !== null) ids.push(id);
    out.set(entity, ids);
  }
  return out;
}

/** PreAggregateOptions are the settings and the Redis positions one fold needs. */
export interface PreAggregateOptions {
  side: Side;
  periodsMs: number[];
  latenessMs: number;
  positions: ReadonlyMap<string, EntityPosition>;
}

/**
 * preAggregate folds a batch into one delta per entity. It skips events at or below the offset already applied
 * to the entity (a redelivery after a crash) and ids already counted (a switch sending a CDR twice), and counts as
 * late, outside every window, CDRs and call starts more than `latenessMs` behind the entity's newest event so far.
 */
export function preAggregate(events: PositionedEvent[], { side, periodsMs, latenessMs, positions }: PreAggregateOptions): Map<string, EntityDelta> {
  const deltas = new Map<string, EntityDelta>();
  // CDRs are first counted once in the finest buckets that tile every period's buckets (the gcd of their sizes), then
  // those are added to each period's buckets: one count per CDR instead of one per period.
  const fineMs = periodsMs.map(bucketSizeMs).reduce(gcd, 0);
  // What the fold keeps of each entity: found once per event, in one lookup.
  const folds = new Map<string, Fold>();
  for (const positioned of events) {
    const { offset, event } = positioned;
    const entity = entityAt(side, positioned);
    if (entity === null) continue;
    let fold = folds.get(entity);
    if (fold === undefined) {
      const position = positions.get(entity);
      fold = { position, delta: null, clockMs: position?.clockMs ?? 0, seen: null, fine: null };
      folds.set(entity, fold);
    }
    const position = fold.position;
    if (offset <= (position?.offset ?? -1)) continue;
    let delta = fold.delta;
    if (delta === null) {
      delta = {
        entity, maxOffset: offset, maxEventMs: 0, periods: new Map(), ids: [], starts: new Map(), calls: [], opens: [],
        moves: new Map(), account: null, events: 0, late: 0, duplicates: 0,
      };
      fold.delta = delta;
      deltas.set(entity, delta);
    }
    delta.maxOffset = Math.max(delta.maxOffset, offset);
    const id = dedupId(event);
    if (id !== null) {
      const seen = fold.seen ?? (fold.seen = new Set());
      if (position?.seen.has(id) || seen.has(id)) {
        delta.duplicates++;
        continue;
      }
      seen.add(id);
    }
    if (event.type === 'payment' || event.type === 'account') {
      // Billing events are events of the entity too (a transition they cause happens at their time), but never late:
      // billing may lag the switches by hours.
      delta.maxEventMs = Math.max(delta.maxEventMs, event.at_ms);
    }
    if (event.type === 'payment') {
      // Pending and cancelled payments do not move the balance; a completed one is an event of its own id.
      if (event.status === 'completed') {
        addMove(delta, event.at_ms, event.amount);
        delta.ids.push([id as string, event.at_ms]);
      }
      delta.events++;
      continue;
    }
    if (event.type === 'account') {
      if (!delta.account || event.at_ms > delta.account[1]) delta.account = [event.balance, event.at_ms, event.debit_limit];
      delta.events++;
      continue;
    }
    const eventMs = event.type === 'cdr' ? event.end_ms : event.start_ms;
    if (eventMs < fold.clockMs - latenessMs) {
      delta.late++;
      // Out of every window, but the money was still spent.
      if (event.type === 'cdr') {
        addMove(delta, event.end_ms, -spentBy(side, event));
        delta.ids.push([event.cdr_id, event.end_ms]);
      }
      continue;
    }
    fold.clockMs = Math.max(fold.clockMs, eventMs);
    delta.maxEventMs = Math.max(delta.maxEventMs, eventMs);
    delta.events++;
    if (event.type === 'call_start') {
      delta.opens.push([event.call_id, event.start_ms]);
      continue;
    }
    delta.ids.push([event.cdr_id, event.end_ms]);
    addCdr(delta, event, fold.fine ?? (fold.fine = new Map()), fineMs, side, position?.callStarts ?? false);
  }
  for (const { delta, fine } of folds.values()) {
    if (delta === null || fine === null) continue;
    for (const period of periodsMs) {
      const g = bucketSizeMs(period);
      const byBucket = new Map<number, Record<string, number>>();
      delta.periods.set(period, byBucket);
      for (const [index, counters] of fine) {
        const b = Math.floor((index * fineMs) / g);
        let bucket = byBucket.get(b);
        if (!bucket) byBucket.set(b, (bucket = {}));
        counters.addTo(bucket);
      }
    }
  }
  for (const delta of deltas.values()) {
    for (const buckets of delta.periods.values()) {
      for (const bucket of buckets.values()) {
        if (bucket.s !== undefined) bucket.s = roundMoney(bucket.s);
        if (bucket.m !== undefined) bucket.m = roundMoney(bucket.m);
      }
    }
    for (const [second, amount] of delta.moves) delta.moves.set(second, roundMoney(amount));
  }
  return deltas;
}

/** Fold is what preAggregate keeps of one entity: its Redis position, its delta, its clock so far, ids seen, fine buckets. */
interface Fold {
  position: EntityPosition | undefined;
  delta: EntityDelta | null;
  clockMs: number;
  seen: Set<string> | null;
  fine: Map<number, CdrCounters> | null;
}

function addCdr(delta: EntityDelta, cdr: CountedCdr, fine: Map<number, CdrCounters>, fineMs: number, side: Side, callStarts: boolean): void {
  const index = Math.floor(cdr.end_ms / fineMs);
  let bucket = fine.get(index);
  if (!bucket) fine.set(index, (bucket = new CdrCounters()));
  bucket.add(cdr);
  const startSecond = Math.floor(cdr.start_ms / 1000);
  // With call-start events the call was counted when it started, unless its event never came (Redis decides).
  if (callStarts && cdr.call_id !== null) delta.calls.push([cdr.call_id, startSecond, cdr.end_ms]);
  else delta.starts.set(startSecond, (delta.starts.get(startSecond) ?? 0) + 1);
  addMove(delta, cdr.end_ms, -spentBy(side, cdr));
}

/** spentBy is what a CDR takes from the balance of the side's entity: a customer pays the charge, a carrier's account is drawn down by the cost. */
function spentBy(side: Side, cdr: CountedCdr): number {
  return side === 'carrier' ? cdr.cost ?? 0 : cdr.charge;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function addMove(delta: EntityDelta, atMs: number, amount: number): void {
  if (amount === 0) return;
  const second = Math.floor(atMs / 1000);
  delta.moves.set(second, (delta.moves.get(second) ?? 0) + amount);
}
