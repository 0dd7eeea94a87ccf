import { stringify } from 'yaml';
import { validateClassFiles } from './class-file';
import { classChanges, classEquals, classToFile } from './class-text';
import { formatRuleError, type RuleFileText } from './rule-file';

const opts = { knownTemplates: new Set(['gold-low-balance', 'gold-asr-ok', 'gold-report', 'asr']), appliedBy: 'alice', now: 1_700_000_000_000 };

function check(...files: RuleFileText[]): { names: string[]; errors: string[]; codes: string[] } {
  const { classes, errors } = validateClassFiles(files, opts);
  return { names: classes.map((c) => c.name), errors: errors.map(formatRuleError), codes: [...new Set(errors.map((e) => e.code))] };
}

const lines = (...l: string[]): string => l.join('\n') + '\n';

// The example of docs/classes.md; cases change its lines (3 is the template set, 5 its templates, 7-10 the entries).
const gold = (...extra: string[]): string => lines(
  'name: gold',
  'description: Gold postpay customers',
  'template_set:',
  '  name: gold-2026',
  '  templates: { balance: gold-low-balance, asr.reset: gold-asr-ok, report: gold-report }',
  'notifications:',
  '  - { rule: "low-balance-*", enabled: false }',
  '  - { area: asr, enabled: true }',
  '  - { event: penalty_applied, enabled: true }',
  '  - { report: "*", enabled: false }',
  'rule_recipients: false',
  ...extra,
);

describe('validateClassFiles', () => {
  it('builds a CustomerClass from the documented example, stamped with who and when', () => {
    const { classes, errors } = validateClassFiles([{ path: 'gold.yaml', text: gold() }], opts);
    expect(errors).toEqual([]);
    expect(classes).toEqual([{
      name: 'gold',
      description: 'Gold postpay customers',
      template_set: { name: 'gold-2026', templates: { balance: 'gold-low-balance', 'asr.reset': 'gold-asr-ok', report: 'gold-report' } },
      notifications: [
        { kind: 'rule', match: 'low-balance-*', enabled: false },
        { kind: 'area', match: 'asr', enabled: true },
        { kind: 'event', match: 'penalty_applied', enabled: true },
        { kind: 'report', match: '*', enabled: false },
      ],
      rule_recipients: false,
      applied_by: 'alice',
      applied_at_ms: 1_700_000_000_000,
    }]);
  });

  it('reads a missing or null template set as unassigned, and defaults the rest', () => {
    const { classes } = validateClassFiles([{ path: 'a.yaml', text: lines('- name: silver', '- { name: bronze, template_set: null, rule_recipients: true }') }], opts);
    expect(classes.map(({ applied_by: _by, applied_at_ms: _at, ...c }) => c)).toEqual([
      { name: 'silver', description: null, template_set: null, notifications: [], rule_recipients: false },
      { name: 'bronze', description: null, template_set: null, notifications: [], rule_recipients: true },
    ]);
  });

  it('reads lists, --- documents and JSON, numbering classes across documents', () => {
    const yaml = lines('name: a', '---', '# only a comment', '---', '- name: b', '- { name: c, enabled: true }');
    const json = JSON.stringify([{ name: 'd', template_set: { name: 's' }, notifications: [{ area: 'balance', enabled: false }] }], null, '\t');
    expect(check({ path: 'a.yaml', text: yaml }, { path: 'b.json', text: json })).toEqual({
      names: ['a', 'b', 'd'],
      errors: ['a.yaml:6:14 classes[2].enabled: expected one of name, description, template_set, notifications, rule_recipients, got unknown field enabled'],
      codes: ['CW_ERR_CLASS_INVALID'],
    });
  });

  it.each<[string, string, string[]]>([
    ['unknown top-level field', gold('colour: gold'), ['f.yaml:12:1 classes[0].colour: expected one of name, description, template_set, notifications, rule_recipients, got unknown field colour']],
    ['missing name', gold().replace('name: gold\n', ''), ['f.yaml:1:1 classes[0].name: expected field name, got nothing']],
    ['template set not a mapping', gold().replace('template_set:\n  name: gold-2026\n  templates: { balance: gold-low-balance, asr.reset: gold-asr-ok, report: gold-report }', 'template_set: gold-2026'),
      ['f.yaml:3:15 classes[0].template_set: expected a mapping with name and templates, or null for no set, got "gold-2026"']],
    ['template set without a name', gold().replace('  name: gold-2026\n', ''), ['f.yaml:4:3 classes[0].template_set.name: expected field name (a template set is known by its name), got nothing']],
    ['unknown template set field', gold().replace('  name: gold-2026', '  name: gold-2026\n  default: asr'),
      ['f.yaml:5:3 classes[0].template_set.default: expected one of name, templates, got unknown field default']],
    ['unknown area as template key', gold().replace('{ balance:', '{ low_balance:'), [
      'f.yaml:5:16 classes[0].template_set.templates.low_balance: expected an area (asr, ner, acd, pdd, attempts, cps, spend, margin, sdr, code_ratio, channels, balance, credit, credit_used, event, script), ' +
      'an event (payment_completed, account_status_changed, penalty_applied, penalty_lifted) or report, optionally followed by .fired, .repeated, .reset or .report, got "low_balance"',
    ]],
    ['unknown type after the dot', gold().replace('asr.reset:', 'asr.resolved:'), ['f.yaml:5:43 classes[0].template_set.templates.asr.resolved: expected .fired, .repeated, .reset or .report after asr, got "asr.resolved"']],
    ['a typed report key', gold().replace('report: gold-report', 'report.fired: gold-report'),
      ["f.yaml:5:67 classes[0].template_set.templates.report.fired: expected report alone (every report, whatever its area; name one area's reports as <area>.report), got \"report.fired\""]],
    ['an event that resets', gold().replace('asr.reset:', 'penalty_lifted.reset:'),
      ['f.yaml:5:43 classes[0].template_set.templates.penalty_lifted.reset: expected penalty_lifted or penalty_lifted.fired (an event rule only fires), got "penalty_lifted.reset"']],
    ['unknown template id', gold().replace('gold-asr-ok', 'gold-asr-okay'),
      ['f.yaml:5:54 classes[0].template_set.templates.asr.reset: expected a known template id (asr, gold-asr-ok, gold-low-balance, gold-report), got "gold-asr-okay"']],
    ['templates not a mapping', gold().replace('{ balance: gold-low-balance, asr.reset: gold-asr-ok, report: gold-report }', '[ asr ]'),
      ['f.yaml:5:14 classes[0].template_set.templates: expected a mapping of area, event or report (optionally .fired, .repeated, .reset or .report) to a template id, got a list']],
    ['bad rule glob', gold().replace('"low-balance-*"', '"Low Balance*"'),
      ['f.yaml:7:13 classes[0].notifications[0].rule: expected a rule id or a glob of rule ids (a-z, 0-9, -, _ and the wildcards * and ?) such as low-balance-*, got "Low Balance*"']],
    ['unknown area', gold().replace('area: asr', 'area: asrr'),
      ['f.yaml:8:13 classes[0].notifications[1].area: expected one of asr, ner, acd, pdd, attempts, cps, spend, margin, sdr, code_ratio, channels, balance, credit, credit_used, event, script, got "asrr"']],
    ['unknown event', gold().replace('event: penalty_applied', 'event: payment_received'),
      ['f.yaml:9:14 classes[0].notifications[2].event: expected one of payment_completed, account_status_changed, penalty_applied, penalty_lifted, got "payment_received"']],
    ['a report other than *', gold().replace('report: "*"', 'report: daily'),
      ['f.yaml:10:15 classes[0].notifications[3].report: expected "*" (every report; name one report by its rule: id), got "daily"']],
    ['enabled missing, and not a boolean', gold().replace('{ area: asr, enabled: true }', '{ area: asr }').replace('"low-balance-*", enabled: false', '"low-balance-*", enabled: "no"'), [
      'f.yaml:7:39 classes[0].notifications[0].enabled: expected true or false, got "no"',
      "f.yaml:8:5 classes[0].notifications[1].enabled: expected field enabled (whether the class's customers receive it), got nothing",
    ]],
    ['two kinds in one entry, and an unknown key', gold().replace('{ area: asr, enabled: true }', '{ area: asr, event: penalty_lifted, enabled: true, level: info }'), [
      'f.yaml:8:5 classes[0].notifications[1]: expected exactly one of rule, area, event, report, got area and event',
      'f.yaml:8:56 classes[0].notifications[1].level: expected one of rule, area, event, report, enabled, got unknown field level',
    ]],
    ['an entry that is not a mapping', gold().replace('{ area: asr, enabled: true }', 'asr'),
      ['f.yaml:8:5 classes[0].notifications[1]: expected a mapping with one of rule, area, event, report and enabled, got "asr"']],
    ['the same entry twice', gold('notifications_again: 1').replace('{ report: "*", enabled: false }', '{ area: asr, enabled: false }').replace('notifications_again: 1\n', ''),
      ['f.yaml:10:13 classes[0].notifications[3].area: expected each notification once, got area asr again (also notifications[1])']],
    ['notifications not a list', gold().replace(/notifications:\n(  - .*\n)+/, 'notifications: { area: asr }\n'),
      ['f.yaml:6:16 classes[0].notifications: expected a list of { <rule|area|event|report>: …, enabled: true|false }, got a mapping']],
    ['rule_recipients not a boolean', gold().replace('rule_recipients: false', 'rule_recipients: noc'), ['f.yaml:11:18 classes[0].rule_recipients: expected true or false, got "noc"']],
    ['not a mapping at all', '- gold\n', ['f.yaml:1:3 classes[0]: expected a class mapping with name, template_set and notifications, got "gold"']],
    ['invalid YAML', 'name: [gold\n', ['f.yaml:2:1 expected valid YAML or JSON, got Flow sequence in block collection must be sufficiently indented and end with a ]']],
  ])('%s', (_name, text, errors) => {
    const result = check({ path: 'f.yaml', text });
    expect(result.errors).toEqual(errors);
    expect(result.names).toEqual([]);
    expect(result.codes).toEqual(['CW_ERR_CLASS_INVALID']);
  });

  it('reports every problem of a file at once, in file order', () => {
    const text = gold().replace('area: asr', 'area: asrr').replace('gold-2026', '""').replace('rule_recipients: false', 'rule_recipients: 1');
    expect(check({ path: 'f.yaml', text }).errors.map((e) => e.split(' ')[0])).toEqual(['f.yaml:4:9', 'f.yaml:8:13', 'f.yaml:11:18']);
  });

  it('refuses a class name defined twice, across files', () => {
    expect(check({ path: 'a.yaml', text: 'name: gold\n' }, { path: 'b.yaml', text: '- name: silver\n- name: gold\n' })).toEqual({
      names: ['gold', 'silver'],
      errors: ['b.yaml:2:9 classes[1].name: expected a unique class name, got "gold" (also defined at a.yaml:1:7)'],
      codes: ['CW_ERR_CLASS_INVALID'],
    });
  });
});

describe('classToFile, classEquals and classChanges', () => {
  const [cls] = validateClassFiles([{ path: 'gold.yaml', text: gold() }], opts).classes;
  const load = (text: string) => validateClassFiles([{ path: 'x.yaml', text }], { ...opts, appliedBy: 'bob', now: 1 }).classes[0]!;

  it('writes a file that reads back as the same class', () => {
    const file = classToFile(cls!);
    expect(Object.keys(file)).toEqual(['name', 'description', 'template_set', 'notifications']);
    expect(classEquals(load(stringify(file)), cls!)).toBe(true);
    expect(classEquals(load(JSON.stringify([file])), cls!)).toBe(true);
  });

  it('always writes the template set, since null turns everything off, and rule_recipients when true', () => {
    expect(stringify(classToFile(load('name: bronze\n')))).toBe('name: bronze\ntemplate_set: null\n');
    expect(stringify(classToFile(load('name: bronze\nrule_recipients: true\n')))).toBe('name: bronze\ntemplate_set: null\nrule_recipients: true\n');
  });

  it('lists each changed field in file terms, ignoring who applied it and the order of templates', () => {
    expect(classChanges(cls!, load(gold().replace('asr.reset: gold-asr-ok, ', '').replace('report: gold-report', 'report: gold-report, asr.reset: gold-asr-ok')))).toEqual([]);
    const changed = load(gold().replace('gold-2026', 'gold-2027').replace('asr.reset: gold-asr-ok', 'asr.reset: asr').replace('area: asr, enabled: true', 'area: asr, enabled: false')
      .replace('rule_recipients: false', 'rule_recipients: true').replace('  - { report: "*", enabled: false }\n', ''));
    expect(classChanges(cls!, changed)).toEqual([
      'template_set.name: gold-2026 → gold-2027',
      'template_set.templates.asr.reset: gold-asr-ok → asr',
      'notifications[1]: area asr on → area asr off',
      'notifications[3]: report * off → (none)',
      'rule_recipients: false → true',
    ]);
    expect(classChanges(cls!, load('name: gold\ndescription: Gold\n'))).toEqual([
      'description: Gold postpay customers → Gold',
      'template_set: gold-2026 → (none)',
      'notifications[0]: rule low-balance-* off → (none)',
      'notifications[1]: area asr on → (none)',
      'notifications[2]: event penalty_applied on → (none)',
      'notifications[3]: report * off → (none)',
    ]);
  });
});
