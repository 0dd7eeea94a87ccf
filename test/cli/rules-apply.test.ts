import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRules } from '@callwatch/cli';
import { collect, testScope, type TestScope } from '../support/harness';

describe('callwatch rules apply', () => {
  let scope: TestScope;
  let dir: string;

  const rule = (threshold: number) =>
    ['id: low-asr', 'title: Low ASR', 'scope: { all: customers }', 'area: asr', 'operator: "<"', `threshold: ${threshold}`, 'sample_period: 15m', 'level: info'].join('\n');

  beforeAll(async () => {
    scope = await testScope('rules');
    dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
  });

  it('publishes new and changed rules, and applying the same files twice changes nothing', async () => {
    writeFileSync(join(dir, 'low-asr.yaml'), rule(30));
    const quiet = { env: scope.env, appliedBy: 'alice', print: () => {} };
    expect((await applyRules([dir], quiet)).create.map((r) => r.id)).toEqual(['low-asr']);
    expect((await applyRules([dir], quiet)).unchanged.map((r) => r.id)).toEqual(['low-asr']);

    writeFileSync(join(dir, 'low-asr.yaml'), rule(25));
    const lines: string[] = [];
    const plan = await applyRules([dir], { ...quiet, appliedBy: 'bob', print: (l: string) => lines.push(l) });
    expect(plan.update.map((r) => r.id)).toEqual(['low-asr']);
    expect(lines).toEqual(['~ low-asr  (changed)', '    threshold: 30 → 25', 'applied 1 change(s), 0 unchanged']);

    // The topic holds exactly two versions, each recording who applied it.
    const published = await collect(scope, scope.topics.rule, 'rule', (m) => m.length >= 2);
    expect(published.map((m) => [m.key, m.value.threshold, m.value.applied_by])).toEqual([
      ['low-asr', 30, 'alice'],
      ['low-asr', 25, 'bob'],
    ]);
  });

  it('applies nothing when any file is invalid', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'callwatch-rules-bad-'));
    writeFileSync(join(bad, 'ok.yaml'), rule(30).replace('id: low-asr', 'id: fine'));
    writeFileSync(join(bad, 'broken.yaml'), rule(30).replace('id: low-asr', 'id: broken').replace('area: asr', 'area: asrr'));
    await expect(applyRules([bad], { env: scope.env, print: () => {} })).rejects.toThrow(/broken\.yaml:4:7 rules\[0\]\.area: expected one of/);
    const published = await collect(scope, scope.topics.rule, 'rule', (m) => m.length >= 2);
    expect(published.some((m) => m.key === 'fine')).toBe(false);
  });

  it('applies nothing when a script rule does not compile, and says where', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'callwatch-rules-script-'));
    writeFileSync(join(bad, 'ok.yaml'), rule(30).replace('id: low-asr', 'id: fine-too'));
    writeFileSync(join(bad, 'script.yaml'), ['id: typo', 'title: Typo', 'scope: { all: customers }', 'area: script', 'script: "return m.asr < (30"', 'level: info'].join('\n'));
    await expect(applyRules([bad], { env: scope.env, print: () => {} }))
      .rejects.toThrow("script.yaml:5:9 rules[0].script: expected a script that compiles, got SyntaxError: expecting ')' (line 1 of the script)");
    const published = await collect(scope, scope.topics.rule, 'rule', (m) => m.length >= 2);
    expect(published.some((m) => m.key === 'fine-too' || m.key === 'typo')).toBe(false);
  });
});
