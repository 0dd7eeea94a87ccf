import { alertEventId } from './alert-event';
import { alertRuleFields, type AlertState } from './decide';
import type { Rule } from '@callwatch/schemas';
import { orphanedStates } from './orphaned-states';

const rule = (id: string, overrides: Partial<Rule> = {}): Rule => ({
  id, title: `Title of ${id}`, scope: { kind: 'customer', value: 'acme' }, area: 'asr', operator: '<=', threshold: 30, reset_threshold: 31,
  sample_period_ms: 300_000, min_attempts: 1, for_ms: 0, repeat_ms: 0, level: 'warning', penalty_ms: null, codes: [], notify: [],
  template: null, group_by: null, group_wait_ms: null, group_interval_ms: null, enabled: true, extra_json: null, applied_by: 'test', applied_at_ms: 0, ...overrides,
});
const ENTITY = 'customer:acme';
const NOW = 9_000;
const firing = (first: number, value: number, fields?: Rule): AlertState => ({
  status: 'firing', since_ms: first, first_fired_at_ms: first, last_notified_ms: first, value, ...(fields ? { rule: alertRuleFields(fields) } : {}),
});
const ok: AlertState = { status: 'ok', since_ms: 1_000, first_fired_at_ms: null, last_notified_ms: null, value: 50 };
const pending: AlertState = { status: 'pending', since_ms: 1_000, first_fired_at_ms: null, last_notified_ms: null, value: 20 };

describe('orphanedStates', () => {
  const live = rule('live');
  const disabled = rule('disabled', { enabled: false, title: 'Disabled now', level: 'critical' });
  const elsewhere = rule('elsewhere', { scope: { kind: 'customer', value: 'globex' } });
  const deleted = rule('deleted', { title: 'Deleted rule', area: 'balance', operator: '<', threshold: 10, reset_threshold: 12, sample_period_ms: null, level: 'error' });
  const paid = rule('paid', { area: 'event', operator: null, threshold: null, reset_threshold: null, sample_period_ms: null, extra_json: JSON.stringify({ event: 'payment_completed' }) });
  const table = new Map([live, disabled, elsewhere, paid].map((r) => [r.id, r]));
  const ruleOf = (id: string) => table.get(id);

  it.each<[string, Array<[string, AlertState]>, { removed: string[]; resets: Array<[string, string, number | null]> }]>([
    ['no states', [], { removed: [], resets: [] }],
    ['only states of rules that apply', [['live', firing(2_000, 12)]], { removed: [], resets: [] }],
    ['a firing rule now disabled: reset, described as the rule is now', [['live', firing(2_000, 12)], ['disabled', firing(3_000, 20, rule('disabled'))]],
      { removed: ['disabled'], resets: [['disabled', 'Disabled now', 20]] }],
    ['a firing rule whose scope no longer covers the entity', [['elsewhere', firing(3_000, 25)]], { removed: ['elsewhere'], resets: [['elsewhere', 'Title of elsewhere', 25]] }],
    ['a firing rule deleted: reset, described as the rule was when it fired', [['deleted', firing(3_000, 4, deleted)]], { removed: ['deleted'], resets: [['deleted', 'Deleted rule', 4]] }],
    ['a firing state from before states kept their rule, of a deleted rule: only its id', [['deleted', firing(3_000, 4)]], { removed: ['deleted'], resets: [['deleted', 'deleted', 4]] }],
    ['ok and pending states of rules that no longer apply: removed without a reset', [['disabled', ok], ['deleted', pending], ['live', ok]], { removed: ['disabled', 'deleted'], resets: [] }],
    ['the ok state of an event rule, which snapshots no longer judge: removed without a reset', [['live', ok], ['paid', { ...ok, value: null }]], { removed: ['paid'], resets: [] }],
  ])('%s', (_name, states, expected) => {
    const orphans = orphanedStates(ENTITY, new Map(states), [live], ruleOf, NOW);
    expect(orphans.ruleIds).toEqual(expected.removed);
    expect(orphans.resets.map((e) => [e.rule_id, e.rule_title, e.value])).toEqual(expected.resets);
  });

  it('gives a reset with every field of the rule, at the snapshot time, closing the firing it names', () => {
    const [reset] = orphanedStates(ENTITY, new Map([['deleted', firing(3_000, 4, deleted)]]), [], () => undefined, NOW).resets;
    expect(reset).toEqual({
      event_id: alertEventId('deleted', ENTITY, { kind: 'orphan', atMs: NOW, firstFiredAtMs: 3_000, value: 4 }), type: 'reset', rule_id: 'deleted', rule_title: 'Deleted rule', entity: ENTITY, area: 'balance',
      value: 4, threshold: 10, reset_threshold: 12, operator: '<', level: 'error', sample_period_ms: null, at_ms: NOW, first_fired_at_ms: 3_000, test: false,
    });
    expect(orphanedStates(ENTITY, new Map([['disabled', firing(3_000, 20)]]), [], ruleOf, NOW).resets[0]).toMatchObject({ level: 'critical', area: 'asr', threshold: 30 });
    expect(orphanedStates(ENTITY, new Map([['gone', firing(3_000, 20)]]), [], ruleOf, NOW).resets[0]).toMatchObject({ rule_title: 'gone', area: 'unknown', level: 'info', threshold: null });
  });

  it('gives the same event id whichever snapshot notices it, so a redelivery is deduped', () => {
    const states = new Map([['disabled', firing(3_000, 20)]]);
    const first = orphanedStates(ENTITY, states, [], ruleOf, NOW).resets[0];
    const again = orphanedStates(ENTITY, states, [], ruleOf, NOW - 500).resets[0];
    expect(again?.event_id).toBe(first?.event_id);
  });
});
