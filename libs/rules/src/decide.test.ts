import type { Rule } from '@callwatch/schemas';
import { alertRuleFields, decide, decideAtDeadline, entityDeadline, judgeDeadlines, nextDeadline, type AlertState } from './decide';
import { makeRule } from './testing';

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

  it('marks a state whose last observation had no data, and returns the same object while that goes on', () => {
    const state: AlertState = { status: 'pending', since_ms: 0, first_fired_at_ms: null, last_notified_ms: null, value: 10 };
    const held = decide(makeRule({ for_ms: MIN }), state, { value: null, attempts: null }, 2 * MIN);
    expect(held).toEqual({ state: { ...state, no_data: true }, event: null });
    expect(decide(makeRule({ for_ms: MIN }), held.state, { value: null, attempts: null }, 3 * MIN).state).toBe(held.state);
    expect(decide(makeRule({ for_ms: MIN }), held.state, { value: 50, attempts: 5 }, 4 * MIN).state).toEqual({ status: 'ok', since_ms: 4 * MIN, first_fired_at_ms: null, last_notified_ms: null, value: 50 });
  });

  it('returns the same state object when an observation changes nothing', () => {
    const rule = makeRule();
    const fired = decide(rule, undefined, { value: 10, attempts: 5 }, 0).state;
    expect(decide(rule, fired, { value: 10, attempts: 5 }, MIN).state).toBe(fired);
  });

  it('judges an observation older than the last transition at the time of that transition', () => {
    const rule = makeRule({ repeat_ms: HOUR });
    const repeated = decideAtDeadline(rule, decide(rule, undefined, { value: 10, attempts: 5 }, 0).state, HOUR);
    expect(decide(rule, repeated.state, { value: 50, attempts: 5 }, HOUR - MIN).event).toEqual({ type: 'reset', at_ms: HOUR, first_fired_at_ms: 0, value: 50 });
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

describe('deadlines', () => {
  // An observation is [now, value, attempts?]; a deadline step is [now, 'deadline'], judged on the last observation.
  type Timed = Step | [now: number, kind: 'deadline'];

  function timeline(rule: Rule, steps: Timed[]): { events: string[]; state: AlertState | undefined } {
    let state: AlertState | undefined;
    const events: string[] = [];
    for (const step of steps) {
      const [now] = step;
      let decision;
      if (step[1] === 'deadline') {
        expect(state && nextDeadline(rule, state)).toBe(now);
        decision = decideAtDeadline(rule, state as AlertState, now);
      } else {
        decision = decide(rule, state, { value: step[1], attempts: step[2] === undefined ? 100 : step[2] }, now);
      }
      state = decision.state;
      if (decision.event) events.push(`${decision.event.type}@${decision.event.at_ms}=${decision.event.value}`);
    }
    return { events, state };
  }

  it.each<[string, Partial<Rule>, Timed[], string[], AlertState['status'], number | null]>([
    ['for expires exactly at start + for, on the last value', { for_ms: 3 * MIN }, [[10, 20], [MIN, 25], [3 * MIN + 10, 'deadline']], [`fired@${3 * MIN + 10}=25`], 'firing', null],
    ['a condition that stops holding before the deadline cancels it', { for_ms: 3 * MIN }, [[0, 20], [2 * MIN, 50]], [], 'ok', null],
    ['a break and a new start move the deadline', { for_ms: 3 * MIN }, [[0, 20], [MIN, 50], [2 * MIN, 20], [5 * MIN, 'deadline']], [`fired@${5 * MIN}=20`], 'firing', null],
    ['no data before the deadline holds it: no deadline until data comes', { for_ms: 3 * MIN, min_attempts: 10 }, [[0, 20], [MIN, 20, 2]], [], 'pending', null],
    ['data after the deadline fires at once', { for_ms: 3 * MIN, min_attempts: 10 }, [[0, 20], [MIN, 20, 2], [10 * MIN, 20]], [`fired@${10 * MIN}=20`], 'firing', null],
    ['repeats on the grid fire time + k × repeat', { repeat_ms: 4 * MIN }, [[7, 20], [4 * MIN + 7, 'deadline'], [8 * MIN + 7, 'deadline'], [12 * MIN + 7, 'deadline']], ['fired@7=20', `repeated@${4 * MIN + 7}=20`, `repeated@${8 * MIN + 7}=20`, `repeated@${12 * MIN + 7}=20`], 'firing', 16 * MIN + 7],
    ['a repeat after for starts at the fire time', { for_ms: 3 * MIN, repeat_ms: 4 * MIN }, [[0, 20], [3 * MIN, 'deadline'], [7 * MIN, 'deadline']], [`fired@${3 * MIN}=20`, `repeated@${7 * MIN}=20`], 'firing', 11 * MIN],
    ['a repeat is judged on the last value', { repeat_ms: 4 * MIN }, [[0, 20], [MIN, 12], [4 * MIN, 'deadline']], ['fired@0=20', `repeated@${4 * MIN}=12`], 'firing', 8 * MIN],
    ['a reset before the repeat cancels it', { repeat_ms: 4 * MIN }, [[0, 20], [MIN, 50]], ['fired@0=20', `reset@${MIN}=50`], 'ok', null],
    ['an observation at the deadline decides, with its own value', { for_ms: 3 * MIN }, [[0, 20], [3 * MIN, 15]], [`fired@${3 * MIN}=15`], 'firing', null],
    ['no repeat without data', { repeat_ms: 4 * MIN, min_attempts: 10 }, [[0, 20], [MIN, 20, 1]], ['fired@0=20'], 'firing', null],
    ['hysteresis: a value between the thresholds keeps the repeat', { threshold: 30, reset_threshold: 35, repeat_ms: 4 * MIN }, [[0, 20], [MIN, 33], [4 * MIN, 'deadline']], ['fired@0=20', `repeated@${4 * MIN}=33`], 'firing', 8 * MIN],
  ])('%s', (_name, overrides, steps, events, status, next) => {
    const rule = makeRule(overrides);
    const result = timeline(rule, steps);
    expect(result.events).toEqual(events);
    expect(result.state?.status).toBe(status);
    expect(nextDeadline(rule, result.state as AlertState)).toBe(next);
  });

  it('judgeDeadlines decides every deadline before a time, in time order across rules, and leaves one at that time', () => {
    const asr = makeRule({ id: 'asr', for_ms: 3 * MIN, repeat_ms: 4 * MIN });
    const cps = makeRule({ id: 'cps', repeat_ms: 5 * MIN });
    const states = new Map<string, AlertState>([
      ['asr', decide(asr, undefined, { value: 20, attempts: 5 }, 0).state],
      ['cps', decide(cps, undefined, { value: 20, attempts: 5 }, MIN).state],
    ]);
    const judged = judgeDeadlines([asr, cps], (id) => states.get(id), 11 * MIN);
    expect(judged.map((d) => `${d.rule.id} ${d.event?.type}@${d.at / MIN}`)).toEqual(['asr fired@3', 'cps repeated@6', 'asr repeated@7']);
    for (const d of judged) states.set(d.rule.id, d.state);
    expect(entityDeadline([asr, cps], (id) => states.get(id))).toBe(11 * MIN);
    expect(judgeDeadlines([asr, cps], (id) => states.get(id), 11 * MIN)).toEqual([]);
    expect(judgeDeadlines([asr, cps], (id) => states.get(id), 11 * MIN + 1).map((d) => `${d.rule.id}@${d.at / MIN}`)).toEqual(['asr@11', 'cps@11']);
  });

  it('entityDeadline is null when no state has a deadline', () => {
    const rule = makeRule();
    expect(entityDeadline([rule], () => undefined)).toBeNull();
    expect(entityDeadline([rule], () => decide(rule, undefined, { value: 20, attempts: 5 }, 0).state)).toBeNull();
  });
});
