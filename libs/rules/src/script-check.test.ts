import { formatRuleError, type RuleFileText } from './rule-file';
import { validateRuleFilesAndScripts } from './script-check';

const opts = { knownTemplates: new Set<string>(), appliedBy: 'alice', now: 1_700_000_000_000 };

async function check(...files: RuleFileText[]): Promise<{ ids: string[]; errors: string[] }> {
  const { rules, errors } = await validateRuleFilesAndScripts(files, opts);
  return { ids: rules.map((r) => r.id), errors: errors.map(formatRuleError) };
}

const lines = (...l: string[]): string => l.join('\n') + '\n';

// A script rule as a list item of 6 lines; its script is on the item's fifth line.
const scriptRule = (id: string, script: string, ...extra: string[]): string[] => [
  `- id: ${id}`, `  title: ${id}`, '  scope: { all: customers }', '  area: script', `  script: ${script}`, '  level: info', ...extra,
];

describe('validateRuleFilesAndScripts', () => {
  it('keeps script rules that compile', async () => {
    expect(await check({ path: 'a.yaml', text: lines(...scriptRule('fine', '"return m.asr < 30 && Date.now() > 0"')) })).toEqual({ ids: ['fine'], errors: [] });
  });

  it('reports a script that does not compile at its script field, with the line inside the script, and keeps the others', async () => {
    const text = lines(
      ...scriptRule('fine', '"return m.asr < 30"'),
      '- id: typo',
      '  title: Typo',
      '  scope: { all: customers }',
      '  area: script',
      '  script: |',
      '    const x = m.asr;',
      '    return (x',
      '  level: info',
    );
    expect(await check({ path: 'a.yaml', text })).toEqual({
      ids: ['fine'],
      errors: ["a.yaml:11:11 rules[1].script: expected a script that compiles, got SyntaxError: expecting ')' (line 2 of the script)"],
    });
  });

  it.each([
    ['strict mode', '"with (m) { return asr < 30 }"', /^a\.yaml:5:11 rules\[0\]\.script: expected a script that compiles, got SyntaxError: /],
    ['a stray brace', '"return m.asr } {"', /^a\.yaml:5:11 rules\[0\]\.script: expected a script that compiles, got SyntaxError: /],
  ])('reports %s', async (_name, script, expected) => {
    const { ids, errors } = await check({ path: 'a.yaml', text: lines(...scriptRule('bad', script)) });
    expect(ids).toEqual([]);
    expect(errors).toEqual([expect.stringMatching(expected)]);
  });

  it('reports a broken script beside the rule\'s other problems, in file order and by position', async () => {
    const first = lines('- id: one', '  title: 42', '  scope: { all: customers }', '  area: script', '  script: "return (m.asr"', '  level: loud');
    const second = lines(...scriptRule('two', '"return ("'));
    expect((await check({ path: 'b.yaml', text: first }, { path: 'c.yaml', text: second })).errors).toEqual([
      'b.yaml:2:10 rules[0].title: expected a non-empty string, got 42',
      "b.yaml:5:11 rules[0].script: expected a script that compiles, got SyntaxError: expecting ')' (line 1 of the script)",
      'b.yaml:6:10 rules[0].level: expected one of info, warning, error, critical, got "loud"',
      // The compiler reads on to the brace that closes the function it makes of the script.
      "c.yaml:5:11 rules[0].script: expected a script that compiles, got SyntaxError: unexpected token in expression: '}' (line 1 of the script)",
    ]);
  });

  it('does not compile the script of a rule of another area (that is a problem of its own)', async () => {
    const text = lines('id: asr', 'title: ASR', 'scope: { all: customers }', 'area: asr', 'operator: "<"', 'threshold: 30', 'sample_period: 5m', 'level: info', 'script: "return ("');
    expect((await check({ path: 'd.yaml', text })).errors).toEqual(['d.yaml:9:9 rules[0].script: expected no script for area asr, got "return ("']);
  });
});
