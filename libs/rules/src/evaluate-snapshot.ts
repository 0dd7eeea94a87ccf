import { transitionEvent, type TransitionEvent } from './alert-event';
import { decide, type AlertState } from './decide';
import { metricValue } from './metric-value';
import { isReportRule } from './schedule';
import { ruleApplies } from './scope';
import type { ScriptError, ScriptSandbox } from './script-sandbox';
import type { MetricSnapshot, Rule } from '@callwatch/schemas';

/** Evaluation is the outcome of one rule on one snapshot: the new state, and the alert event if there was a transition. */
export interface Evaluation {
  rule: Rule;
  state: AlertState;
  /** a transition: fired, repeated or reset (reports come from the scheduler, never from a snapshot) */
  event: TransitionEvent | null;
  /** scriptError is why a script rule had no data on this snapshot (so its state was held), to be reported. */
  scriptError: ScriptError | null;
}

/** EvaluateOptions carry what some rules need beyond the snapshot: the sandbox that runs script rules. */
export interface EvaluateOptions {
  scripts?: ScriptSandbox;
}

/**
 * applicableRules picks the enabled rules whose scope covers an entity (class scopes need its account) and that are
 * judged on its metric snapshots: threshold and script rules. Event rules and report rules are left out.
 */
export function applicableRules(rules: Iterable<Rule>, entity: string, account?: { class: string | null }): Rule[] {
  const out: Rule[] = [];
  for (const rule of rules) if (rule.enabled && judgedOnSnapshots(rule) && ruleApplies(rule, entity, account)) out.push(rule);
  return out;
}

// Event rules fire on payments, account changes and penalty actions (the event consumer), report rules on their
// schedule (the scheduler): a snapshot holds no value for either, so judging them would only store an `ok` state.
function judgedOnSnapshots(rule: Rule): boolean {
  return rule.area !== 'event' && !isReportRule(rule);
}

/**
 * evaluateSnapshot runs every enabled rule that applies to the snapshot's entity, at the snapshot's event
 * time (the entity's clock), so the live evaluator and a replay decide the same way. Script rules have no data
 * without `options.scripts`.
 */
export function evaluateSnapshot(
  rules: Iterable<Rule>,
  snapshot: MetricSnapshot,
  stateOf: (ruleId: string) => AlertState | undefined,
  account?: { class: string | null },
  options: EvaluateOptions = {},
): Evaluation[] {
  return evaluateRules(applicableRules(rules, snapshot.entity, account), snapshot, stateOf, options);
}

/**
 * evaluateRules is evaluateSnapshot for rules the caller already knows apply to the entity (`applicableRules`):
 * the live evaluator picks them once per entity and chunk, not once per snapshot.
 */
export function evaluateRules(
  applicable: readonly Rule[],
  snapshot: MetricSnapshot,
  stateOf: (ruleId: string) => AlertState | undefined,
  options: EvaluateOptions = {},
): Evaluation[] {
  const out: Evaluation[] = [];
  const now = snapshot.at_ms;
  for (const rule of applicable) {
    const observation = metricValue(rule, snapshot, options.scripts);
    const decision = decide(rule, stateOf(rule.id), observation, now);
    out.push({
      rule,
      state: decision.state,
      event: decision.event && transitionEvent(rule, snapshot.entity, decision.event),
      scriptError: observation.error ?? null,
    });
  }
  return out;
}
