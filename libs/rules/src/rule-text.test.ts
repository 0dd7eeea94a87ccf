import { stringify } from 'yaml';
import type { Rule } from '@callwatch/schemas';
import { validateRuleFiles } from './rule-file';
import { ruleChanges, ruleEquals, ruleToFile } from './rule-text';
import { makeRule } from './testing';

const opts = { knownTemplates: new Set(['low-asr']), appliedBy: 'bob', now: 42 };

function reparse(rule: Rule): Rule | undefined {
  const { rules, errors } = validateRuleFiles([{ path: 'export.yaml', text: stringify(ruleToFile(rule)) }], opts);
  expect(errors).toEqual([]);
  return rules[0];
}

describe('ruleToFile', () => {
  it('leaves out defaults', () => {
    expect(ruleToFile(makeRule())).toEqual({
      id: 'low-asr', title: 'Low ASR', scope: { customer: 'acme' }, area: 'asr', operator: '<=', threshold: 30,
      sample_period: '15m', level: 'warning',
    });
  });

  it.each<[string, Partial<Rule>]>([
    ['a minimal rule', {}],
    ['every optional field', {
      scope: { kind: 'class', value: 'gold' }, reset_threshold: 31, min_attempts: 20, for_ms: 90_000, repeat_ms: 3_600_000,
      penalty_ms: 5_400_000, template: 'low-asr', enabled: false, level: 'critical',
      notify: [
        { channel: 'email', target: 'noc@example.net' }, { channel: 'sms', target: '+15551234567' },
        { channel: 'webhook', target: 'https://hooks.example.net/x?y=1' }, { channel: 'contacts', target: null },
      ],
    }],
    ['a code_ratio rule over all carriers', { scope: { kind: 'all_carriers', value: null }, area: 'code_ratio', operator: '>', threshold: 20, reset_threshold: 10, codes: [486, 503] }],
    ['a gauge', { scope: { kind: 'all_customers', value: null }, area: 'balance', operator: '<', threshold: 5.5, sample_period_ms: null }],
    ['a min_attempts of 0', { min_attempts: 0 }],
    ['an event rule', {
      area: 'event', operator: null, threshold: null, sample_period_ms: null,
      extra_json: JSON.stringify({ event: 'payment_completed', filter: { source: { not: 'portal' } } }),
    }],
    ['a report rule', {
      area: 'balance', operator: null, threshold: null, sample_period_ms: null, extra_json: JSON.stringify({ schedule: '0 8 * * *', timezone: 'Europe/Berlin' }),
    }],
    ['a script rule', { area: 'script', operator: '>', threshold: 1, sample_period_ms: 300_000, extra_json: JSON.stringify({ script: 'return m.asr / 2' }) }],
  ])('round-trips %s', (_name, overrides) => {
    const rule = makeRule(overrides);
    const back = reparse(rule);
    expect(back && ruleEquals(rule, back)).toBe(true);
    expect(back?.applied_by).toBe('bob');
  });
});

describe('ruleEquals', () => {
  it.each<[string, Partial<Rule>, boolean]>([
    ['ignores who applied the rule and when', { applied_by: 'carol', applied_at_ms: 99 }, true],
    ['ignores the key order of extra_json', { extra_json: '{"timezone":"UTC","schedule":"0 8 * * *"}' }, true],
    ['sees a threshold change', { threshold: 31 }, false],
    ['sees a scope change', { scope: { kind: 'customer', value: 'acme2' } }, false],
    ['sees a notify change', { notify: [{ channel: 'contacts', target: null }] }, false],
    ['sees a code order change', { codes: [503, 486] }, false],
    ['sees an extra change', { extra_json: '{"schedule":"0 9 * * *","timezone":"UTC"}' }, false],
  ])('%s', (_name, overrides, equal) => {
    const a = makeRule({ codes: [486, 503], extra_json: '{"schedule":"0 8 * * *","timezone":"UTC"}' });
    expect(ruleEquals(a, { ...a, ...overrides })).toBe(equal);
  });
});

describe('ruleChanges', () => {
  it('lists each changed field in rule-file terms, and nothing for equal rules', () => {
    const from = makeRule();
    expect(ruleChanges(from, makeRule({ applied_by: 'someone else' }))).toEqual([]);
    expect(ruleChanges(from, makeRule({ threshold: 25, penalty_ms: 600_000, scope: { kind: 'all_customers', value: null } }))).toEqual([
      'scope: {"customer":"acme"} → {"all":"customers"}', 'threshold: 30 → 25', 'penalty: (none) → 10m',
    ]);
    expect(ruleChanges(makeRule({ enabled: false }), from)).toEqual(['enabled: false → true']);
  });

  it('lists recipients entry by entry', () => {
    const noc = { channel: 'email', target: 'noc@example.net' } as const;
    const from = makeRule({ notify: [noc, { channel: 'sms', target: '+15551234567' }] });
    expect(ruleChanges(from, makeRule({ notify: [noc, { channel: 'sms', target: '+15557654321' }, { channel: 'email', target: 'billing@example.net' }] }))).toEqual([
      'notify[1].sms: +15551234567 → +15557654321', 'notify[2].email: added billing@example.net',
    ]);
    expect(ruleChanges(from, makeRule({ notify: [{ channel: 'contacts', target: null }] }))).toEqual([
      'notify[0].email: removed noc@example.net', 'notify[0].contacts: added true', 'notify[1].sms: removed +15551234567',
    ]);
  });
});
