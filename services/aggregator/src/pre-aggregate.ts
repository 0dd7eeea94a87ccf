import type { Cdr } from '@callwatch/schemas';
import { entityKey } from '@callwatch/core';
import { bucketIndex } from './windows';

/** Counters are the additive counts of one bucket; every windowed area is derived from sums of them. */
export interface Counters {
  attempts: number;
  answered: number;
}

/** EntityDelta is what one batch adds to one entity: bucket counters per sample period, its newest event time and offset. */
export interface EntityDelta {
  entity: string;
  maxOffset: number;
  maxEventMs: number;
  /** period ms -> bucket index -> counters */
  periods: Map<number, Map<number, Counters>>;
  events: number;
}

/** PositionedCdr is a valid CDR with its offset in the source partition. */
export interface PositionedCdr {
  offset: number;
  cdr: Cdr;
}

/**
 * preAggregate folds a batch into one delta per customer, skipping events at or below the offset already
 * applied to that entity (a redelivery after a crash), so Redis sees one write per entity per batch.
 */
export function preAggregate(events: PositionedCdr[], periodsMs: number[], applied: Map<string, number>): Map<string, EntityDelta> {
  const deltas = new Map<string, EntityDelta>();
  for (const { offset, cdr } of events) {
    const entity = entityKey('customer', cdr.customer_id);
    if (offset <= (applied.get(entity) ?? -1)) continue;
    let delta = deltas.get(entity);
    if (!delta) {
      delta = { entity, maxOffset: offset, maxEventMs: cdr.end_ms, periods: new Map(), events: 0 };
      deltas.set(entity, delta);
    }
    delta.maxOffset = Math.max(delta.maxOffset, offset);
    delta.maxEventMs = Math.max(delta.maxEventMs, cdr.end_ms);
    delta.events++;
    for (const period of periodsMs) {
      let buckets = delta.periods.get(period);
      if (!buckets) delta.periods.set(period, (buckets = new Map()));
      const index = bucketIndex(cdr.end_ms, period);
      let counters = buckets.get(index);
      if (!counters) buckets.set(index, (counters = { attempts: 0, answered: 0 }));
      counters.attempts++;
      if (cdr.answer_ms !== null) counters.answered++;
    }
  }
  return deltas;
}
