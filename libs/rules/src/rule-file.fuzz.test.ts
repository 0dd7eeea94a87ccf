import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkAccepted, checkPlacedProblems, fuzz, fuzzTimeoutMs, mutateText, type Rng } from '@callwatch/core/testing';
import { invalidFields } from '@callwatch/schemas';
import { validateRuleFiles, type RuleFileText } from './rule-file';
import { ruleEquals, ruleToFile } from './rule-text';

const EXAMPLES = join(__dirname, '..', '..', '..', 'rules', 'examples');
const opts = { knownTemplates: new Set(['asr', 'low-asr-mail', 'low-balance-customer', 'payment-received']), appliedBy: 'fuzz', now: 1_700_000_000_000 };

// Every kind of rule and every field, as YAML and as JSON, besides the examples of rules/examples.
const SEEDS = [
  ...readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml')).map((name) => readFileSync(join(EXAMPLES, name), 'utf8')),
  `- id: low-asr
  title: Low ASR
  scope: { customer: acme }
  area: asr
  operator: "<="
  threshold: 30
  reset_threshold: 31
  sample_period: 5m
  min_attempts: 20
  for: 2m
  repeat: 1h
  level: warning
  penalty: 10m
  notify: [ { email: noc@example.net }, { sms: "+15551234567" }, { webhook: "https://hooks.example.net/cw" }, { slack: "https://hooks.slack.com/services/T0/B0/x" }, { pushover: { user: uQiRzpo4DXghDmr9QzzfQu27cmVRsG } }, { contacts: true } ]
  template: low-asr-mail
  group_by: [rule, entity]
  group_wait: 30s
  group_interval: 5m
- id: busy-503
  title: Too many 503
  scope: { class: gold }
  area: code_ratio
  codes: [503, 502]
  operator: ">"
  threshold: 20
  sample_period: 15m
  level: error
  enabled: false
---
id: paid
title: Payment received
scope: { all: customers }
area: event
event: payment_completed
filter: { source: { not: portal }, amount: { in: [10, 20] } }
level: info
notify: [ { contacts: true } ]
---
- { id: scripted, title: Scripted, scope: { carrier: x }, area: script, script: "return m.asr < 30 && m.attempts > 50", sample_period: 1h, level: critical }
- { id: daily-balance, title: Daily balance, scope: { all: carriers }, area: balance, level: info, schedule: "0 8 * * MON-FRI", timezone: Europe/Berlin }
`,
  JSON.stringify([{ id: 'json-rule', title: 'JSON', scope: { customer: 'acme' }, area: 'credit_used', operator: '>=', threshold: 90, level: 'warning', notify: [{ email: 'a@b.c' }] }], null, 2),
];

describe('rule files under hostile edits (fuzz)', () => {
  it('load into valid rules or problems naming file, line and field; never throw, hang or pollute', async () => {
    await fuzz({
      name: 'rule files',
      cases: 300,
      generate: (rng: Rng): RuleFileText => ({ path: 'rules/fuzz.yaml', text: mutateText(rng, rng.pick(SEEDS)) }),
      show: (file) => JSON.stringify(file.text),
      check: (file) => {
        const { rules, errors, scripts } = validateRuleFiles([file], opts);
        checkPlacedProblems(errors, file, 'rules');
        for (const s of scripts) if (s.line < 1 || s.column < 1 || s.file !== file.path) throw new Error(`script placed at ${s.file}:${s.line}:${s.column}`);
        for (const rule of rules) {
          // What `rules export` writes must load back as the same rule.
          checkAccepted(`rule ${rule.id}`, rule, invalidFields('rule', rule), () => {
            const again = validateRuleFiles([{ path: 'export.json', text: JSON.stringify(ruleToFile(rule)) }], opts);
            return { items: again.rules, errors: again.errors };
          }, ruleEquals);
        }
        if (({} as Record<string, unknown>).polluted !== undefined) throw new Error('Object.prototype was polluted');
      },
    });
  }, fuzzTimeoutMs(60_000));
});

describe('rule files built to exhaust the loader', () => {
  it('refuses a billion-laughs alias bomb as invalid YAML, at its document', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
    const { rules, errors } = validateRuleFiles([{ path: 'bomb.yaml', text: bomb }], opts);
    expect(rules).toEqual([]);
    expect(errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.message}`)).toEqual(['bomb.yaml:1:1 expected valid YAML or JSON, got Excessive alias count indicates a resource exhaustion attack']);
  });

  it('refuses nesting deeper than the parser goes as invalid YAML, naming the file', () => {
    const deep = `id: ${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const { errors } = validateRuleFiles([{ path: 'deep.yaml', text: deep }], opts);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.file === 'deep.yaml' && e.line === 1 && e.message.startsWith('expected valid YAML or JSON'))).toBe(true);
  });
});

describe('rule files the fuzz found', () => {
  it('reads -0 as 0, so the rule equals what its export loads back as', () => {
    const text = 'id: z\ntitle: Z\nscope: { all: customers }\narea: balance\noperator: "<"\nthreshold: -0\nlevel: info\n';
    const [rule] = validateRuleFiles([{ path: 'z.yaml', text }], opts).rules;
    expect(Object.is(rule?.threshold, 0)).toBe(true);
    const again = validateRuleFiles([{ path: 'z.json', text: JSON.stringify(ruleToFile(rule!)) }], opts).rules[0];
    expect(ruleEquals(rule!, again!)).toBe(true);
  });
});
