import { alertEvent } from './alert-event';
import { alertRuleFields, type AlertRuleFields, type AlertState } from './decide';
import type { AlertEvent, Rule } from '@callwatch/schemas';

/** Orphans are an entity's alert states whose rule no longer applies to it, and the resets they give. */
export interface Orphans {
  /** resets are the `reset` alert events of the orphans that were firing, to publish before the states are deleted. */
  resets: AlertEvent[];
  /** ruleIds name every orphaned state, firing or not: the fields to delete from the entity's hash. */
  ruleIds: string[];
}

const NONE: Orphans = { resets: [], ruleIds: [] };

/**
 * orphanedStates finds an entity's alert states whose rule is not among `applicable` (the rules the evaluator runs
 * for the entity): the rule was deleted, disabled, moved out of the entity's scope, or became a report or event
 * rule. Every one is to be deleted; one that was firing first gives one `reset` at `now` (the snapshot's event
 * time) with its last value, so consumers can close the alert. The reset describes the rule as it is now
 * (`ruleOf`), or, once it is deleted, as it was at its last fired or repeated event; a state too old to hold that
 * names only the rule id. The `ok` states that event rules were given while snapshots still judged them go the
 * same way, without a reset.
 */
export function orphanedStates(
  entity: string,
  states: ReadonlyMap<string, AlertState>,
  applicable: readonly Rule[],
  ruleOf: (ruleId: string) => Rule | undefined,
  now: number,
): Orphans {
  // Nearly always every state belongs to a rule that applies: tell so without allocating (this runs per entity and chunk).
  let held = 0;
  for (const rule of applicable) if (states.has(rule.id)) held++;
  if (held === states.size) return NONE;
  const running = new Set(applicable.map((r) => r.id));
  let out: Orphans | null = null;
  for (const [ruleId, state] of states) {
    if (running.has(ruleId)) continue;
    out ??= { resets: [], ruleIds: [] };
    out.ruleIds.push(ruleId);
    if (state.status !== 'firing') continue;
    const rule = ruleOf(ruleId);
    const firstFiredAtMs = state.first_fired_at_ms ?? state.since_ms;
    const fields = rule ? alertRuleFields(rule) : (state.rule ?? unknownRule(ruleId));
    out.resets.push(alertEvent(ruleId, fields, entity, { kind: 'orphan', atMs: now, firstFiredAtMs, value: state.value }));
  }
  return out ?? NONE;
}

// A firing state written before states kept their rule's fields, of a rule deleted since: only its id is known.
function unknownRule(ruleId: string): AlertRuleFields {
  return { rule_title: ruleId, area: 'unknown', threshold: null, reset_threshold: null, operator: null, level: 'info', sample_period_ms: null };
}
