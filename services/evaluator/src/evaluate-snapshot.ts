import { alertEventId, decide, isReportRule, metricValue, ruleApplies, type AlertState, type AlertTransition, type ScriptError, type ScriptSandbox } from '@callwatch/rules';
import type { AlertEvent, MetricSnapshot, Rule } from '@callwatch/schemas';

/** Evaluation is the outcome of one rule on one snapshot: the new state, and the alert event if there was a transition. */
export interface Evaluation {
  rule: Rule;
  state: AlertState;
  /** a transition: fired, repeated or reset (reports come from the scheduler, never from a snapshot) */
  event: (AlertEvent & { type: AlertTransition['type'] }) | null;
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
    const transition = decision.event;
    out.push({
      rule,
      state: decision.state,
      event: transition && {
        event_id: alertEventId(rule.id, snapshot.entity, transition.type, transition.at_ms),
        type: transition.type,
        rule_id: rule.id,
        rule_title: rule.title,
        entity: snapshot.entity,
        area: rule.area,
        value: transition.value,
        threshold: rule.threshold,
        reset_threshold: rule.reset_threshold,
        operator: rule.operator,
        level: rule.level,
        sample_period_ms: rule.sample_period_ms,
        at_ms: transition.at_ms,
        first_fired_at_ms: transition.first_fired_at_ms,
        test: false,
      },
      scriptError: observation.error ?? null,
    });
  }
  return out;
}
