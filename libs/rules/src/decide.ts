import { CallwatchError } from '@callwatch/core';
import type { AlertEvent, Rule } from '@callwatch/schemas';
import { compare, isOperator, isWindowedArea } from './areas';
import type { Observation } from './metric-value';

/** AlertState is the state of one rule for one entity, kept by the evaluator between snapshots. */
export interface AlertState {
  status: 'ok' | 'pending' | 'firing';
  /** since_ms is when the current status began. */
  since_ms: number;
  first_fired_at_ms: number | null;
  /** last_notified_ms is the scheduled time of the last fired/repeated event: fire time + k × repeat. */
  last_notified_ms: number | null;
  /** value is the last value observed with enough data; the evaluator stores it only with a change of status or times. */
  value: number | null;
  /**
   * rule holds, while firing, the rule's alert fields as of its last fired or repeated event, so that the alert can
   * still be reset after the rule is deleted. Firing states written before it was kept have none.
   */
  rule?: AlertRuleFields;
}

/** AlertRuleFields are the fields of an alert event that describe its rule. */
export type AlertRuleFields = Pick<AlertEvent, 'rule_title' | 'area' | 'threshold' | 'reset_threshold' | 'operator' | 'level' | 'sample_period_ms'>;

// Rule objects are replaced, never changed, when a rule changes: their fields are made once and shared by states.
const fieldsOf = new WeakMap<Rule, AlertRuleFields>();

/** alertRuleFields are the fields of an alert event that a rule gives it. */
export function alertRuleFields(rule: Rule): AlertRuleFields {
  let fields = fieldsOf.get(rule);
  if (!fields) {
    fields = {
      rule_title: rule.title, area: rule.area, threshold: rule.threshold, reset_threshold: rule.reset_threshold,
      operator: rule.operator, level: rule.level, sample_period_ms: rule.sample_period_ms,
    };
    fieldsOf.set(rule, fields);
  }
  return fields;
}

/** AlertTransition is an alert event produced by `decide`, before the evaluator adds the rule and entity fields. */
export interface AlertTransition {
  type: 'fired' | 'repeated' | 'reset';
  at_ms: number;
  first_fired_at_ms: number;
  value: number;
}

/** Decision is the outcome of one observation: the next state, and the transition if there was one. */
export interface Decision {
  state: AlertState;
  event: AlertTransition | null;
}

/**
 * decide applies one observation at event time `now` to a rule's alert state, per DESIGN §5: fire (after `for`),
 * reset (with hysteresis when reset_threshold is set), repeat every `repeat` after the fire time, and hold the
 * state without data (no value, or a windowed area with fewer than min_attempts attempts).
 */
export function decide(rule: Rule, state: AlertState | undefined, observation: Observation, now: number): Decision {
  const current = state ?? okState(now, null);
  const { value } = observation;
  if (value === null || (isWindowedArea(rule.area) && (observation.attempts ?? 0) < rule.min_attempts)) {
    return { state: current, event: null };
  }
  const holds = fireCondition(rule, value);
  switch (current.status) {
    case 'ok':
      if (!holds) return { state: { ...current, value }, event: null };
      if (rule.for_ms > 0) return { state: { ...okState(now, value), status: 'pending' }, event: null };
      return fire(rule, now, value);
    case 'pending':
      if (!holds) return { state: okState(now, value), event: null };
      if (now - current.since_ms >= rule.for_ms) return fire(rule, now, value);
      return { state: { ...current, value }, event: null };
    case 'firing': {
      const first = current.first_fired_at_ms ?? current.since_ms;
      if (resets(rule, value, holds)) {
        return { state: okState(now, value), event: { type: 'reset', at_ms: now, first_fired_at_ms: first, value } };
      }
      const due = dueRepeat(rule, current, first, now);
      if (due === null) return { state: { ...current, value }, event: null };
      return {
        state: { ...current, value, last_notified_ms: due, rule: alertRuleFields(rule) },
        event: { type: 'repeated', at_ms: now, first_fired_at_ms: first, value },
      };
    }
  }
}

/** nextDeadline is when a time-only transition falls due (pending → firing under `for`, or the next repeat), so the evaluator can set a timer; null when none. */
export function nextDeadline(rule: Rule, state: AlertState): number | null {
  if (state.status === 'pending' && rule.for_ms > 0) return state.since_ms + rule.for_ms;
  if (state.status === 'firing' && rule.repeat_ms > 0) {
    return (state.last_notified_ms ?? state.first_fired_at_ms ?? state.since_ms) + rule.repeat_ms;
  }
  return null;
}

function okState(now: number, value: number | null): AlertState {
  return { status: 'ok', since_ms: now, first_fired_at_ms: null, last_notified_ms: null, value };
}

function fire(rule: Rule, now: number, value: number): Decision {
  return {
    state: { status: 'firing', since_ms: now, first_fired_at_ms: now, last_notified_ms: now, value, rule: alertRuleFields(rule) },
    event: { type: 'fired', at_ms: now, first_fired_at_ms: now, value },
  };
}

// A rule without a comparison is a script returning a boolean, delivered as 1 or 0.
function fireCondition(rule: Rule, value: number): boolean {
  if (rule.operator === null || rule.threshold === null) return value !== 0;
  if (!isOperator(rule.operator)) {
    throw new CallwatchError('CW_ERR_RULE_INVALID', `rule ${rule.id} has unknown operator ${rule.operator}`, { details: { ruleId: rule.id } });
  }
  return compare(value, rule.operator, rule.threshold);
}

function resets(rule: Rule, value: number, holds: boolean): boolean {
  const reset = rule.reset_threshold;
  if (reset === null) return !holds;
  if (rule.operator === '<' || rule.operator === '<=') return value > reset;
  if (rule.operator === '>' || rule.operator === '>=') return value < reset;
  return !holds;
}

// Repeats sit on the grid fire time + k × repeat: late or sparse observations neither drift it nor send a burst.
function dueRepeat(rule: Rule, state: AlertState, first: number, now: number): number | null {
  if (rule.repeat_ms <= 0) return null;
  const last = state.last_notified_ms ?? first;
  if (now < last + rule.repeat_ms) return null;
  return first + Math.floor((now - first) / rule.repeat_ms) * rule.repeat_ms;
}
