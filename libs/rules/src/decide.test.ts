import type { Rule } from '@callwatch/schemas';
import { alertRuleFields, decide, nextDeadline, type AlertState } from './decide';
import { makeRule } from './rule.test-helper';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A step is one observation: [now, value, attempts]; attempts defaults to plenty. */
type Step = [now: number, value: number | null, attempts?: number | null];

function run(rule: Rule, steps: Step[]): { events: string[]; state: AlertState | undefined } {
  let state: AlertState | undefined;
  const events: string[] = [];
  for (const [now, value, attempts] of steps) {
    const decision = decide(rule, state, { value, attempts: attempts === undefined ? 100 : attempts }, now);
    state = decision.state;
    if (decision.event) events.push(`${decision.event.type}@${decision.event.at_ms}`);
  }
  return { events, state };
}

describe('decide', () => {
  it.each<[string, Partial<Rule>, Step[], string[], AlertState['status']]>([
    // operators, reset when the fire condition stops holding
    ['<= fires at the threshold', { operator: '<=', threshold: 30 }, [[0, 50], [1, 30], [2, 31]], ['fired@1', 'reset@2'], 'ok'],
    ['< does not fire at the threshold', { operator: '<', threshold: 30 }, [[0, 30], [1, 29], [2, 30]], ['fired@1', 'reset@2'], 'ok'],
    ['> does not fire at the threshold', { operator: '>', threshold: 100 }, [[0, 100], [1, 101], [2, 100]], ['fired@1', 'reset@2'], 'ok'],
    ['>= fires at the threshold', { operator: '>=', threshold: 100 }, [[0, 100], [1, 99]], ['fired@0', 'reset@1'], 'ok'],
    ['= fires only on equality', { operator: '=', threshold: 0 }, [[0, 1], [1, 0], [2, 0], [3, 1]], ['fired@1', 'reset@3'], 'ok'],
    ['!= fires on any other value', { operator: '!=', threshold: 0 }, [[0, 0], [1, 5], [2, 7], [3, 0]], ['fired@1', 'reset@3'], 'ok'],
    ['stays firing while the condition holds', {}, [[0, 10], [1, 5], [2, 20]], ['fired@0'], 'firing'],
    // hysteresis
    ['<= with reset_threshold holds between the two', { threshold: 30, reset_threshold: 31 }, [[0, 30], [1, 31], [2, 30.5], [3, 31.5]], ['fired@0', 'reset@3'], 'ok'],
    ['>= with reset_threshold holds between the two', { operator: '>=', threshold: 100, reset_threshold: 90 }, [[0, 100], [1, 95], [2, 90], [3, 89]], ['fired@0', 'reset@3'], 'ok'],
    ['< with reset_threshold equal to threshold holds at the threshold', { operator: '<', threshold: 30, reset_threshold: 30 }, [[0, 29], [1, 30], [2, 30.1]], ['fired@0', 'reset@2'], 'ok'],
    ['between the thresholds after a reset does not fire', { threshold: 30, reset_threshold: 35 }, [[0, 20], [1, 36], [2, 32]], ['fired@0', 'reset@1'], 'ok'],
    // no data
    ['below min_attempts neither fires', { min_attempts: 20 }, [[0, 10, 5], [1, 10, 19], [2, 10, 20]], ['fired@2'], 'firing'],
    ['below min_attempts neither resets', { min_attempts: 20 }, [[0, 10, 20], [1, 50, 3], [2, 50, 25]], ['fired@0', 'reset@2'], 'ok'],
    ['a missing value holds the state', {}, [[0, 10], [1, null], [2, null, null]], ['fired@0'], 'firing'],
    ['gauges ignore attempts', { area: 'channels', operator: '>', threshold: 100, sample_period_ms: null, min_attempts: 5 }, [[0, 150, null]], ['fired@0'], 'firing'],
    // for
    ['for: pending until held long enough', { for_ms: 5 * MIN }, [[0, 10], [MIN, 10], [5 * MIN, 10]], [`fired@${5 * MIN}`], 'firing'],
    ['for: a break while pending goes back to ok silently', { for_ms: 5 * MIN }, [[0, 10], [4 * MIN, 50], [6 * MIN, 10], [10 * MIN, 10], [11 * MIN, 10]], [`fired@${11 * MIN}`], 'firing'],
    ['for: no data does not advance pending', { for_ms: 5 * MIN, min_attempts: 10 }, [[0, 10], [6 * MIN, 10, 2]], [], 'pending'],
    ['for: reset needs no waiting', { for_ms: 5 * MIN }, [[0, 10], [5 * MIN, 10], [5 * MIN + 1, 50]], [`fired@${5 * MIN}`, `reset@${5 * MIN + 1}`], 'ok'],
    // repeat
    ['repeat 0 never repeats', {}, [[0, 10], [10 * HOUR, 10]], ['fired@0'], 'firing'],
    ['repeat every hour after the fire time', { repeat_ms: HOUR }, [[0, 10], [30 * MIN, 10], [HOUR, 10], [HOUR + 1, 10], [2 * HOUR, 10]], ['fired@0', `repeated@${HOUR}`, `repeated@${2 * HOUR}`], 'firing'],
    ['a late observation does not drift the schedule', { repeat_ms: HOUR }, [[0, 10], [70 * MIN, 10], [125 * MIN, 10]], ['fired@0', `repeated@${70 * MIN}`, `repeated@${125 * MIN}`], 'firing'],
    ['missed repeats are not sent in a burst', { repeat_ms: HOUR }, [[0, 10], [190 * MIN, 10], [200 * MIN, 10], [4 * HOUR, 10]], ['fired@0', `repeated@${190 * MIN}`, `repeated@${4 * HOUR}`], 'firing'],
    ['no repeat without data', { repeat_ms: HOUR, min_attempts: 10 }, [[0, 10], [HOUR, 10, 1]], ['fired@0'], 'firing'],
    ['a rule without a comparison fires on a true script result', { area: 'script', operator: null, threshold: null, sample_period_ms: null }, [[0, 0], [1, 1], [2, 0]], ['fired@1', 'reset@2'], 'ok'],
  ])('%s', (_name, overrides, steps, events, status) => {
    const result = run(makeRule(overrides), steps);
    expect(result.events).toEqual(events);
    expect(result.state?.status).toBe(status);
  });

  it('keeps repeats on the fire-time grid', () => {
    const rule = makeRule({ repeat_ms: HOUR });
    const { state } = run(rule, [[10, 10], [HOUR + 999, 10]]);
    expect(state).toEqual({ status: 'firing', since_ms: 10, first_fired_at_ms: 10, last_notified_ms: HOUR + 10, value: 10, rule: alertRuleFields(rule) });
  });

  it('keeps the rule\'s alert fields in a firing state, as of its last fired or repeated event, and drops them on reset', () => {
    const rule = makeRule({ repeat_ms: HOUR });
    const fired = decide(rule, undefined, { value: 10, attempts: 50 }, 5).state;
    expect(fired.rule).toEqual({ rule_title: 'Low ASR', area: 'asr', threshold: 30, reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 900_000 });
    const renamed = { ...rule, title: 'Very low ASR' };
    expect(decide(renamed, fired, { value: 12, attempts: 50 }, 10).state.rule?.rule_title).toBe('Low ASR');
    expect(decide(renamed, fired, { value: 12, attempts: 50 }, HOUR + 5).state.rule?.rule_title).toBe('Very low ASR');
    expect(decide(rule, fired, { value: 40, attempts: 50 }, 10).state.rule).toBeUndefined();
  });

  it('carries the first fire time on repeated and reset events', () => {
    const rule = makeRule({ repeat_ms: HOUR });
    let state = decide(rule, undefined, { value: 10, attempts: 50 }, 5).state;
    const repeated = decide(rule, state, { value: 12, attempts: 50 }, HOUR + 5);
    state = repeated.state;
    const reset = decide(rule, state, { value: 40, attempts: 50 }, HOUR + 9);
    expect(repeated.event).toEqual({ type: 'repeated', at_ms: HOUR + 5, first_fired_at_ms: 5, value: 12 });
    expect(reset.event).toEqual({ type: 'reset', at_ms: HOUR + 9, first_fired_at_ms: 5, value: 40 });
    expect(reset.state).toEqual({ status: 'ok', since_ms: HOUR + 9, first_fired_at_ms: null, last_notified_ms: null, value: 40 });
  });

  it('returns the same state object when there is no data', () => {
    const state: AlertState = { status: 'pending', since_ms: 0, first_fired_at_ms: null, last_notified_ms: null, value: 10 };
    expect(decide(makeRule({ for_ms: MIN }), state, { value: null, attempts: null }, 2 * MIN)).toEqual({ state, event: null });
  });

  it('rejects a rule with an unknown operator', () => {
    expect(() => decide(makeRule({ operator: '~' }), undefined, { value: 1, attempts: 5 }, 0)).toThrow(expect.objectContaining({ code: 'CW_ERR_RULE_INVALID' }));
  });
});

describe('nextDeadline', () => {
  const at = (status: AlertState['status'], since: number, last: number | null = null): AlertState => ({
    status, since_ms: since, first_fired_at_ms: status === 'firing' ? since : null, last_notified_ms: last, value: 1,
  });

  it.each<[string, Partial<Rule>, AlertState, number | null]>([
    ['ok has none', { for_ms: MIN, repeat_ms: HOUR }, at('ok', 0), null],
    ['pending is due after for', { for_ms: 5 * MIN }, at('pending', 1000), 1000 + 5 * MIN],
    ['firing is due at the next repeat', { repeat_ms: HOUR }, at('firing', 0, 2 * HOUR), 3 * HOUR],
    ['firing without repeat has none', { repeat_ms: 0 }, at('firing', 0, 0), null],
  ])('%s', (_name, overrides, state, deadline) => {
    expect(nextDeadline(makeRule(overrides), state)).toBe(deadline);
  });
});
