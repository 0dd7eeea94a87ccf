import type { AlertState } from '@callwatch/rules';
import type { Account, Action, AlertEvent, MetricSnapshot, Notification, Rule, Silence, Window } from '@callwatch/schemas';
import { DEFAULT_LIMITS, ViewModel, type ModelEvent } from './view-model';

const T = 1_800_000_000_000;
const MIN = 60_000;

const window = (asr: number | null, attempts = 100, period = 5 * MIN): Window => ({
  sample_period_ms: period, attempts, answered: asr === null ? 0 : Math.round((asr * attempts) / 100), asr, ner: null, acd: 60, pdd: 1_500, cps: 3, spend: 1.5, margin: 0.5, sdr: 0, codes: {},
});
const snapshot = (entity: string, atMs: number, asr: number | null, extra: Partial<MetricSnapshot> = {}): MetricSnapshot => ({
  entity, at_ms: atMs, windows: [window(asr, 100, 15 * MIN), window(asr)], channels: 4, balance: 100, credit: null, credit_used: null, late: 0, version: atMs * 1000, ...extra,
});
const rule = (id: string, extra: Partial<Rule> = {}): Rule => ({
  id, title: `Rule ${id}`, scope: { kind: 'all_customers', value: null }, area: 'asr', operator: '<=', threshold: 30, reset_threshold: 35, sample_period_ms: 5 * MIN,
  min_attempts: 0, for_ms: 0, repeat_ms: 0, level: 'warning', penalty_ms: null, codes: [], notify: [], template: null, group_by: null, group_wait_ms: null,
  group_interval_ms: null, enabled: true, extra_json: null, applied_by: 'test', applied_at_ms: T, ...extra,
});
const alert = (type: AlertEvent['type'], ruleId: string, entity: string, atMs: number, extra: Partial<AlertEvent> = {}): AlertEvent => ({
  event_id: `${ruleId}-${entity}-${type}-${atMs}`, type, rule_id: ruleId, rule_title: `Rule ${ruleId}`, entity, area: 'asr', value: 20, threshold: 30, reset_threshold: 35,
  operator: '<=', level: 'warning', sample_period_ms: 5 * MIN, at_ms: atMs, first_fired_at_ms: atMs, test: false, ...extra,
});
const action = (type: Action['type'], entity: string, atMs: number, untilMs: number | null): Action => ({
  action_id: `${type}-${atMs}`, type, entity, until_ms: untilMs, rule_id: 'pen', reason: 'Rule pen: asr 5 <= 10', at_ms: atMs,
});
const silence = (id: string, extra: Partial<Silence> = {}): Silence => ({
  silence_id: id, rule: 'a', entity: null, starts_at_ms: T, ends_at_ms: T + 60 * MIN, comment: '', created_by: 'noc', created_at_ms: T, expired_by: null, ...extra,
});
const account = (entity: string, name: string): Account => ({
  entity, name, class: null, status: 'active', balance: 10, debit_limit: null, currency: 'EUR', emails: ['jane@example.com'], phones: [], timezone: null, locale: null, at_ms: T,
});
const notification = (id: string, recipient: string, channel: Notification['channel'] = 'email'): Notification => ({
  notification_id: id, alert_event_id: 'e', rule_id: 'a', entity: 'customer:acme', channel, recipient, status: 'sent', attempt: 1, error: null, message_id: null, group_key: null, at_ms: T,
});
const firingState = (sinceMs: number, value: number): AlertState => ({ status: 'firing', since_ms: sinceMs, first_fired_at_ms: sinceMs, last_notified_ms: sinceMs, value });

// Folds the events in at T (unless an event says otherwise) and returns the model.
function fold(events: Array<ModelEvent | [ModelEvent, number]>, limits = DEFAULT_LIMITS): ViewModel {
  const model = new ViewModel(limits);
  for (const e of events) {
    const [event, now] = Array.isArray(e) ? e : [e, T];
    model.apply(event, now);
  }
  return model;
}

describe('ViewModel: firing alerts', () => {
  const acme = 'customer:acme';
  it.each<[string, Array<ModelEvent | [ModelEvent, number]>, Array<Record<string, unknown>>]>([
    ['a fired alert fires', [{ kind: 'alert', alert: alert('fired', 'a', acme, T), live: true }], [{ rule_id: 'a', entity: acme, since_ms: T, last_ms: T, value: 20 }]],
    ['a repeat keeps its start and moves its last time', [
      { kind: 'alert', alert: alert('fired', 'a', acme, T), live: true },
      { kind: 'alert', alert: alert('repeated', 'a', acme, T + MIN, { first_fired_at_ms: T }), live: true },
    ], [{ since_ms: T, last_ms: T + MIN, event_id: `a-${acme}-repeated-${T + MIN}` }]],
    ['a reset ends it', [
      { kind: 'alert', alert: alert('fired', 'a', acme, T), live: true },
      { kind: 'alert', alert: alert('reset', 'a', acme, T + MIN), live: true },
    ], []],
    ['the recent past read at start lists, but does not fire', [{ kind: 'alert', alert: alert('fired', 'a', acme, T), live: false }], []],
    ['a firing state read from Redis fires, and the recent past names its event', [
      { kind: 'alert-state', entity: acme, ruleId: 'a', state: { ...firingState(T, 12), rule: { rule_title: 'A', area: 'asr', threshold: 30, reset_threshold: 35, operator: '<=', level: 'error', sample_period_ms: null } } },
      { kind: 'alert', alert: alert('fired', 'a', acme, T), live: false },
    ], [{ rule_title: 'A', level: 'error', value: 12, event_id: `a-${acme}-fired-${T}` }]],
    ['a firing state of a rule the console does not know, without its fields, is left out', [{ kind: 'alert-state', entity: acme, ruleId: 'gone', state: firingState(T, 12) }], []],
    ['an event rule\'s alert never fires (nothing resets it)', [{ kind: 'alert', alert: alert('fired', 'e', acme, T, { area: 'event' }), live: true }], []],
    ['a test alert is ignored', [{ kind: 'alert', alert: alert('fired', 'a', acme, T, { test: true }), live: true }], []],
    ['critical first, then the oldest', [
      { kind: 'alert', alert: alert('fired', 'a', 'customer:b', T + 2), live: true },
      { kind: 'alert', alert: alert('fired', 'a', 'customer:c', T + 1), live: true },
      { kind: 'alert', alert: alert('fired', 'c', 'customer:d', T + 3, { level: 'critical' }), live: true },
    ], [{ entity: 'customer:d' }, { entity: 'customer:c' }, { entity: 'customer:b' }]],
    ['the value is the live one when the console can read the rule\'s window', [
      { kind: 'rule', id: 'a', rule: rule('a') },
      { kind: 'alert', alert: alert('fired', 'a', acme, T), live: true },
      { kind: 'metric', snapshot: snapshot(acme, T + MIN, 12.5) },
    ], [{ value: 12.5, unit: '%' }]],
    ['a matching active silence marks it silenced', [
      { kind: 'silence', id: 's', silence: silence('s', { rule: 'a*', entity: 'customer:*' }) },
      { kind: 'alert', alert: alert('fired', 'a', acme, T), live: true },
    ], [{ silenced: true }]],
  ])('%s', (_, events, expected) => {
    const firing = fold(events).firingAlerts(T + 2 * MIN);
    expect(firing).toHaveLength(expected.length);
    expected.forEach((fields, i) => expect(firing[i]).toMatchObject(fields));
  });

  it('a silence that ended is no longer muting', () => {
    const model = fold([{ kind: 'silence', id: 's', silence: silence('s') }, { kind: 'alert', alert: alert('fired', 'a', acme, T), live: true }]);
    expect(model.firingAlerts(T + 59 * MIN)[0]?.silenced).toBe(true);
    expect(model.firingAlerts(T + 60 * MIN)[0]?.silenced).toBe(false);
  });
});

describe('ViewModel: penalties and the blocked list', () => {
  const acme = 'customer:acme';
  it.each<[string, ModelEvent[], number, string[]]>([
    ['a disable blocks until its end', [{ kind: 'action', action: action('disable', acme, T, T + 10 * MIN) }], T + 9 * MIN, [acme]],
    ['past its end it is not blocked, even before the enable', [{ kind: 'action', action: action('disable', acme, T, T + 10 * MIN) }], T + 10 * MIN, []],
    ['an enable (a lift) unblocks at once', [
      { kind: 'action', action: action('disable', acme, T, T + 10 * MIN) },
      { kind: 'action', action: action('enable', acme, T + MIN, null) },
    ], T + 2 * MIN, []],
    ['a penalty read from Redis blocks', [{ kind: 'penalty', penalty: { entity: acme, until_ms: T + MIN, rule_id: 'pen', reason: 'r', since_ms: T } }], T, [acme]],
    ['soonest end first', [
      { kind: 'action', action: action('disable', 'carrier:x', T, T + 20 * MIN) },
      { kind: 'action', action: action('disable', acme, T, T + 10 * MIN) },
    ], T, [acme, 'carrier:x']],
  ])('%s', (_, events, now, blocked) => {
    const model = fold(events);
    expect(model.blocked(now)).toEqual({ as_of_ms: now, blocked: blocked.map((entity) => expect.objectContaining({ entity })) });
    expect(model.activePenalties(now).map((p) => p.entity)).toEqual(blocked);
  });

  it('an extension keeps when the penalty began', () => {
    const model = fold([{ kind: 'action', action: action('disable', acme, T, T + 10 * MIN) }, { kind: 'action', action: action('disable', acme, T + MIN, T + 11 * MIN) }]);
    expect(model.activePenalties(T)).toEqual([{ entity: acme, until_ms: T + 11 * MIN, rule_id: 'pen', reason: 'Rule pen: asr 5 <= 10', since_ms: T }]);
  });

  it('tells live viewers what happened to the penalty', () => {
    const model = new ViewModel();
    expect(model.apply({ kind: 'action', action: action('disable', acme, T, T + MIN) }, T)).toEqual([{ event: 'penalty', data: { action: 'disable', penalty: expect.objectContaining({ until_ms: T + MIN }) } }]);
    expect(model.apply({ kind: 'action', action: action('enable', acme, T, null) }, T)).toEqual([{ event: 'penalty', data: { action: 'enable', penalty: expect.objectContaining({ entity: acme }) } }]);
    expect(model.apply({ kind: 'action', action: action('enable', acme, T, null) }, T)).toEqual([]);
  });
});

describe('ViewModel: entities', () => {
  it('shows the shortest window\'s values, the gauges, the account name and sparklines oldest first', () => {
    const model = fold([
      { kind: 'account', entity: 'customer:acme', account: account('customer:acme', 'ACME Telecom') },
      { kind: 'metric', snapshot: snapshot('customer:acme', T, 40) },
      { kind: 'metric', snapshot: snapshot('customer:acme', T + 10_000, 35) },
    ]);
    const [row] = model.entityRows(T + 10_000);
    expect(row).toMatchObject({
      entity: 'customer:acme', name: 'ACME Telecom', kind: 'customer', updated_ms: T + 10_000, period_ms: 5 * MIN,
      metrics: { asr: 35, acd: 60, pdd: 1_500, cps: 3, attempts: 100, channels: 4, balance: 100 },
    });
    expect(row?.sparklines.asr).toEqual([40, 35]);
  });

  it('drops a snapshot overtaken on its way (a lower version)', () => {
    const model = fold([
      { kind: 'metric', snapshot: snapshot('customer:acme', T + 10_000, 35) },
      { kind: 'metric', snapshot: snapshot('customer:acme', T, 40) },
    ]);
    expect(model.entityRows(T)[0]?.metrics.asr).toBe(35);
  });

  it('keeps one series point per step and none older than the series span', () => {
    const limits = { ...DEFAULT_LIMITS, seriesMs: 10 * MIN, stepMs: MIN };
    const events: ModelEvent[] = [];
    for (let s = 0; s <= 30 * 60; s += 20) events.push({ kind: 'metric', snapshot: snapshot('customer:acme', T + s * 1000, 50) });
    const detail = fold(events, limits).entityDetail('customer:acme', T + 30 * MIN);
    const at = detail?.series.asr?.map(([t]) => t) ?? [];
    expect(at.length).toBeLessThanOrEqual(11);
    expect(at[0]).toBeGreaterThanOrEqual(T + 20 * MIN);
    expect(at[at.length - 1]).toBe(T + 30 * MIN);
  });

  it.each<[string, Rule[], number | null, number]>([
    ['far from a below-threshold rule', [rule('a')], 60, 0.5],
    ['at the threshold', [rule('a')], 30, 1],
    ['past it (firing by value)', [rule('a')], 15, 2],
    ['the nearest of several rules counts', [rule('a'), rule('b', { threshold: 45, reset_threshold: 50 })], 60, 0.75],
    ['a disabled rule does not count', [rule('a', { enabled: false })], 31, 0],
    ['no value, no closeness', [rule('a')], null, 0],
    ['a rule of another scope does not count', [rule('a', { scope: { kind: 'carrier', value: 'x' } })], 31, 0],
  ])('closeness: %s', (_, rules, asr, expected) => {
    const model = fold([...rules.map((r): ModelEvent => ({ kind: 'rule', id: r.id, rule: r })), { kind: 'metric', snapshot: snapshot('customer:acme', T, asr) }]);
    expect(model.entityRows(T)[0]?.closeness).toBeCloseTo(expected, 2);
  });

  it('sorts entities by closeness, the closest first', () => {
    const model = fold([
      { kind: 'rule', id: 'a', rule: rule('a') },
      { kind: 'metric', snapshot: snapshot('customer:far', T, 90) },
      { kind: 'metric', snapshot: snapshot('customer:near', T, 32) },
      { kind: 'metric', snapshot: snapshot('customer:mid', T, 45) },
    ]);
    expect(model.entityRows(T).map((r) => r.entity)).toEqual(['customer:near', 'customer:mid', 'customer:far']);
  });

  it('keeps at most maxEntities, forgetting the one heard of longest ago that is neither firing nor penalised', () => {
    const model = fold([
      { kind: 'alert', alert: alert('fired', 'a', 'customer:firing', T), live: true },
      { kind: 'action', action: action('disable', 'customer:penalised', T, T + MIN) },
      { kind: 'metric', snapshot: snapshot('customer:penalised', T, 50) },
      { kind: 'metric', snapshot: snapshot('customer:old', T, 50) },
      { kind: 'metric', snapshot: snapshot('customer:new', T + 1, 50) },
    ], { ...DEFAULT_LIMITS, maxEntities: 3 });
    expect(model.entityRows(T).map((r) => r.entity).sort()).toEqual(['customer:firing', 'customer:new', 'customer:penalised']);
  });

  it('answers null for an entity it never heard of', () => {
    expect(new ViewModel().entityDetail('customer:nobody', T)).toBeNull();
  });

  it('details each applicable rule\'s state, the windows, the account and the entity\'s last events', () => {
    const acme = 'customer:acme';
    const model = fold([
      { kind: 'rule', id: 'a', rule: rule('a') },
      { kind: 'rule', id: 'b', rule: rule('b', { threshold: 10, reset_threshold: 12 }) },
      { kind: 'rule', id: 'c', rule: rule('c', { enabled: false }) },
      { kind: 'rule', id: 'd', rule: rule('d', { sample_period_ms: 60 * MIN }) },
      { kind: 'rule', id: 'x', rule: rule('x', { scope: { kind: 'carrier', value: 'x' } }) },
      { kind: 'account', entity: acme, account: account(acme, 'ACME') },
      { kind: 'metric', snapshot: snapshot(acme, T, 20) },
      { kind: 'alert', alert: alert('fired', 'a', acme, T), live: true },
      { kind: 'notification', notification: notification('n1', 'jane@example.com') },
    ]);
    const detail = model.entityDetail(acme, T);
    expect(detail?.rules.map((r) => [r.rule_id, r.state, r.value])).toEqual([['a', 'firing', 20], ['b', 'ok', 20], ['c', 'disabled', 20], ['d', 'no_data', null]]);
    expect(Object.keys(detail?.windows ?? {}).sort()).toEqual([String(5 * MIN), String(15 * MIN)]);
    expect(detail?.account).toMatchObject({ name: 'ACME', currency: 'EUR' });
    expect(detail?.alerts.map((a) => a.rule_id)).toEqual(['a']);
    expect(detail?.deliveries.map((d) => d.recipient)).toEqual(['j***@example.com']);
    expect(detail?.row).toMatchObject({ firing: 1, worst_level: 'warning' });
  });
});

describe('ViewModel: lists', () => {
  it('lists recent alerts and deliveries newest first, bounded', () => {
    const limits = { ...DEFAULT_LIMITS, recentEvents: 3 };
    const events: ModelEvent[] = [];
    for (let i = 0; i < 5; i++) {
      events.push({ kind: 'alert', alert: alert('fired', `r${i}`, 'customer:acme', T + i), live: true });
      events.push({ kind: 'notification', notification: notification(`n${i}`, '+447700900121', 'sms') });
    }
    const model = fold(events, limits);
    expect(model.recentAlerts(100).map((a) => a.rule_id)).toEqual(['r4', 'r3', 'r2']);
    expect(model.recentAlerts(1).map((a) => a.rule_id)).toEqual(['r4']);
    expect(model.recentDeliveries(100).map((d) => [d.notification_id, d.recipient])).toEqual([['n4', '+44***21'], ['n3', '+44***21'], ['n2', '+44***21']]);
  });

  it('lists active and pending silences, and those that ended within the hour as expired', () => {
    const model = fold([
      { kind: 'silence', id: 'old', silence: silence('old', { starts_at_ms: T - 3 * 60 * MIN, ends_at_ms: T - 2 * 60 * MIN }) },
      { kind: 'silence', id: 'ended', silence: silence('ended', { starts_at_ms: T - 60 * MIN, ends_at_ms: T - MIN }) },
      { kind: 'silence', id: 'active', silence: silence('active') },
      { kind: 'silence', id: 'pending', silence: silence('pending', { starts_at_ms: T + MIN }) },
    ]);
    expect(model.silenceRows(T).map((s) => [s.silence_id, s.expired])).toEqual([['ended', true], ['active', false], ['pending', false]]);
  });

  it('lists rules with their scope as a rule file writes it, their firing count and their penalty', () => {
    const model = fold([
      { kind: 'rule', id: 'a', rule: rule('a', { penalty_ms: 10 * MIN }) },
      { kind: 'rule', id: 'b', rule: rule('b', { scope: { kind: 'customer', value: 'acme' } }) },
      { kind: 'rule', id: 'gone', rule: rule('gone') },
      { kind: 'rule', id: 'gone', rule: null },
      { kind: 'alert', alert: alert('fired', 'a', 'customer:acme', T), live: true },
      { kind: 'alert', alert: alert('fired', 'a', 'customer:globex', T), live: true },
    ]);
    expect(model.ruleRows().map((r) => [r.id, r.scope, r.firing, r.action])).toEqual([['a', { all: 'customers' }, 2, 'disable'], ['b', { customer: 'acme' }, 0, null]]);
  });
});
