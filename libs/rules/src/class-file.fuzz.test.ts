import { checkAccepted, checkPlacedProblems, fuzz, fuzzTimeoutMs, mutateText, type Rng } from '@callwatch/core/testing';
import { invalidFields } from '@callwatch/schemas';
import { validateClassFiles } from './class-file';
import { classEquals, classToFile } from './class-text';
import type { RuleFileText } from './rule-file';

const opts = { knownTemplates: new Set(['gold-low-balance', 'gold-asr-ok', 'gold-report', 'asr']), appliedBy: 'fuzz', now: 1_700_000_000_000 };

// The example of docs/classes.md, a class without a template set, and the same in JSON.
const SEEDS = [
  `name: gold
description: Gold postpay customers
template_set:
  name: gold-2026
  templates: { balance: gold-low-balance, asr.reset: gold-asr-ok, report: gold-report }
notifications:
  - { rule: "low-balance-*", enabled: false }
  - { area: asr, enabled: true }
  - { event: penalty_applied, enabled: true }
  - { report: "*", enabled: false }
rule_recipients: false
`,
  `- name: wholesale
  template_set: null
  notifications: []
- name: silver
  template_set: { name: silver, templates: { asr: asr } }
  notifications: [ { rule: "*", enabled: true } ]
  rule_recipients: true
`,
  JSON.stringify({ name: 'bronze', description: null, template_set: { name: 'b', templates: { 'asr.fired': 'asr' } }, notifications: [{ area: 'balance', enabled: false }] }, null, 2),
];

describe('class files under hostile edits (fuzz)', () => {
  it('load into valid classes or problems naming file, line and field; never throw or hang', async () => {
    await fuzz({
      name: 'class files',
      cases: 300,
      generate: (rng: Rng): RuleFileText => ({ path: 'classes/fuzz.yaml', text: mutateText(rng, rng.pick(SEEDS)) }),
      show: (file) => JSON.stringify(file.text),
      check: (file) => {
        const { classes, errors } = validateClassFiles([file], opts);
        checkPlacedProblems(errors, file, 'classes');
        for (const cls of classes) {
          checkAccepted(`class ${cls.name}`, cls, invalidFields('class', cls), () => {
            const again = validateClassFiles([{ path: 'export.json', text: JSON.stringify(classToFile(cls)) }], opts);
            return { items: again.classes, errors: again.errors };
          }, classEquals);
        }
      },
    });
  }, fuzzTimeoutMs(60_000));
});
