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
  /**
   * value is the last value observed with enough data. The evaluator stores it with a change of status or times,
   * and with any change while the state has a deadline (`nextDeadline`), which is judged on it.
   */
  value: number | null;
  /** no_data is set while the last observation had no data (no value, or too few attempts): a deadline then waits for data. */
  no_data?: true;
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
 * decide applies one observation at event time `now` to a rule's alert state: fire (after `for`), reset (with
 * hysteresis when reset_threshold is set), repeat every `repeat` after the fire time, and hold the state without data
 * (no value, or a windowed area with fewer than min_attempts attempts). A transition is never earlier than the one
 * before it: an observation older than the state's last transition or repeat (an entity whose clock lags the clock
 * that judged a deadline) is judged at that time.
 */
export function decide(rule: Rule, state: AlertState | undefined, observation: Observation, now: number): Decision {
  const current = state ?? okState(now, null);
  const { value } = observation;
  if (value === null || (isWindowedArea(rule.area) && (observation.attempts ?? 0) < rule.min_attempts)) {
    return { state: current.no_data ? current : { ...current, no_data: true }, event: null };
  }
  const at = Math.max(now, current.since_ms, current.last_notified_ms ?? now);
  const holds = fireCondition(rule, value);
  switch (current.status) {
    case 'ok':
      if (!holds) return { state: observed(current, value), event: null };
      if (rule.for_ms > 0) return { state: { ...okState(at, value), status: 'pending' }, event: null };
      return fire(rule, at, value);
    case 'pending':
      if (!holds) return { state: okState(at, value), event: null };
      if (at - current.since_ms >= rule.for_ms) return fire(rule, at, value);
      return { state: observed(current, value), event: null };
    case 'firing': {
      const first = current.first_fired_at_ms ?? current.since_ms;
      if (resets(rule, value, holds)) {
        return { state: okState(at, value), event: { type: 'reset', at_ms: at, first_fired_at_ms: first, value } };
      }
      const due = dueRepeat(rule, current, first, at);
      if (due === null) return { state: observed(current, value), event: null };
      return {
        state: { ...observed(current, value), last_notified_ms: due, rule: alertRuleFields(rule) },
        event: { type: 'repeated', at_ms: at, first_fired_at_ms: first, value },
      };
    }
  }
}

/**
 * nextDeadline is when a time-only transition of the state falls due: the end of `for` while pending, or the next
 * repeat while firing (fire time + k × repeat). Null when none, and while the last observation had no data: the
 * state then waits for data, and the observation that brings it decides (firing at once when `for` is over).
 */
export function nextDeadline(rule: Rule, state: AlertState): number | null {
  if (state.no_data) return null;
  if (state.status === 'pending' && rule.for_ms > 0) return state.since_ms + rule.for_ms;
  if (state.status === 'firing' && rule.repeat_ms > 0) {
    return (state.last_notified_ms ?? state.first_fired_at_ms ?? state.since_ms) + rule.repeat_ms;
  }
  return null;
}

/**
 * decideAtDeadline is `decide` at a state's deadline, on the same inputs as its last observation (its value, with
 * enough data), with `now` = the deadline: the `for` ends and the alert fires, or a repeat falls due.
 */
export function decideAtDeadline(rule: Rule, state: AlertState, deadline: number): Decision {
  return decide(rule, state, { value: state.no_data ? null : state.value, attempts: Infinity }, deadline);
}

/** DeadlineDecision is the decision at one deadline of one rule: the deadline, and what `decideAtDeadline` made of it. */
export interface DeadlineDecision extends Decision {
  rule: Rule;
  at: number;
}

/**
 * judgeDeadlines decides, for one entity, every deadline of its rules' states that falls before `beforeMs`, in time
 * order (a deadline can lead to the next: a `for` that ends fires, and the first repeat follows). Deadlines at the same
 * time keep the order of `rules`. Apply the states in the order returned: each rule's last one is its state at
 * `beforeMs`. A deadline at `beforeMs` itself is left for later: an observation at that time comes first.
 */
export function judgeDeadlines(rules: readonly Rule[], stateOf: (ruleId: string) => AlertState | undefined, beforeMs: number): readonly DeadlineDecision[] {
  let out: DeadlineDecision[] | null = null;
  for (const rule of rules) {
    let state = stateOf(rule.id);
    let deadline = state ? nextDeadline(rule, state) : null;
    while (state && deadline !== null && deadline < beforeMs) {
      const decision = decideAtDeadline(rule, state, deadline);
      (out ??= []).push({ rule, at: deadline, ...decision });
      state = decision.state;
      const next = nextDeadline(rule, state);
      // Every decision at a deadline moves the state past it; this guard keeps a time from being judged twice.
      deadline = next !== null && next > deadline ? next : null;
    }
  }
  return out === null ? NO_DEADLINES : out.sort((a, b) => a.at - b.at);
}

const NO_DEADLINES: readonly DeadlineDecision[] = [];

/** entityDeadline is the earliest deadline of an entity's states under the rules that apply to it, or null when none has one. */
export function entityDeadline(rules: readonly Rule[], stateOf: (ruleId: string) => AlertState | undefined): number | null {
  let earliest: number | null = null;
  for (const rule of rules) {
    const state = stateOf(rule.id);
    const deadline = state ? nextDeadline(rule, state) : null;
    if (deadline !== null && (earliest === null || deadline < earliest)) earliest = deadline;
  }
  return earliest;
}

// The state with a new observed value (the same object when nothing changes: most observations change nothing).
function observed(state: AlertState, value: number): AlertState {
  if (state.value === value && !state.no_data) return state;
  const next: AlertState = { status: state.status, since_ms: state.since_ms, first_fired_at_ms: state.first_fired_at_ms, last_notified_ms: state.last_notified_ms, value };
  if (state.rule) next.rule = state.rule;
  return next;
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
