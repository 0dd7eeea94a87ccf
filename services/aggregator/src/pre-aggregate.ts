import type { Cdr } from '@callwatch/schemas';
import { cdrCounters, roundMoney } from './counters';
import { bucketIndex } from './windows';

/** EntityDelta is what one batch adds to one entity: counters per period and bucket, ids, lateness, position. */
export interface EntityDelta {
  entity: string;
  maxOffset: number;
  maxEventMs: number;
  /** period ms -> bucket index -> counter name -> amount */
  periods: Map<number, Map<number, Map<string, number>>>;
  /** ids of the counted events with their event times (remembered to drop later duplicates) */
  ids: Array<[string, number]>;
  events: number;
  late: number;
  duplicates: number;
}

/** PositionedCdr is a valid CDR with its offset in the source partition. */
export interface PositionedCdr {
  offset: number;
  cdr: Cdr;
}

/** EntityPosition is what Redis knows of an entity before a batch: the last offset applied, its clock, the ids it has seen. */
export interface EntityPosition {
  offset: number;
  clockMs: number;
  seen: ReadonlySet<string>;
}

/** EntityOf names the entity a CDR counts for on one side: its customer (ingress) or its carrier (egress). */
export type EntityOf = (cdr: Cdr) => string;

/**
 * preAggregate folds a batch into one delta per entity. It skips events at or below the offset already applied
 * to the entity (a redelivery after a crash) and ids already counted (a switch sending a CDR twice), and counts as
 * late, outside every window, events more than `latenessMs` behind the entity's newest event so far.
 */
export function preAggregate(
  events: PositionedCdr[],
  periodsMs: number[],
  positions: ReadonlyMap<string, EntityPosition>,
  latenessMs: number,
  entityOf: EntityOf,
): Map<string, EntityDelta> {
  const deltas = new Map<string, EntityDelta>();
  const clocks = new Map<string, number>();
  const seenInBatch = new Map<string, Set<string>>();
  for (const { offset, cdr } of events) {
    const entity = entityOf(cdr);
    const position = positions.get(entity);
    if (offset <= (position?.offset ?? -1)) continue;
    let delta = deltas.get(entity);
    if (!delta) {
      delta = { entity, maxOffset: offset, maxEventMs: 0, periods: new Map(), ids: [], events: 0, late: 0, duplicates: 0 };
      deltas.set(entity, delta);
    }
    delta.maxOffset = Math.max(delta.maxOffset, offset);
    let seen = seenInBatch.get(entity);
    if (!seen) seenInBatch.set(entity, (seen = new Set()));
    if (position?.seen.has(cdr.cdr_id) || seen.has(cdr.cdr_id)) {
      delta.duplicates++;
      continue;
    }
    seen.add(cdr.cdr_id);
    const clock = clocks.get(entity) ?? position?.clockMs ?? 0;
    if (cdr.end_ms < clock - latenessMs) {
      delta.late++;
      continue;
    }
    clocks.set(entity, Math.max(clock, cdr.end_ms));
    delta.maxEventMs = Math.max(delta.maxEventMs, cdr.end_ms);
    delta.ids.push([cdr.cdr_id, cdr.end_ms]);
    delta.events++;
    const counters = cdrCounters(cdr);
    for (const period of periodsMs) {
      let buckets = delta.periods.get(period);
      if (!buckets) delta.periods.set(period, (buckets = new Map()));
      const index = bucketIndex(cdr.end_ms, period);
      let bucket = buckets.get(index);
      if (!bucket) buckets.set(index, (bucket = new Map()));
      for (const [name, amount] of counters) bucket.set(name, (bucket.get(name) ?? 0) + amount);
    }
  }
  for (const delta of deltas.values()) {
    for (const buckets of delta.periods.values()) {
      for (const bucket of buckets.values()) for (const name of ['s', 'm']) if (bucket.has(name)) bucket.set(name, roundMoney(bucket.get(name) as number));
    }
  }
  return deltas;
}
