import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRules, changeRules, diffRules, exportRules } from '@callwatch/cli';
import { collect, testScope, type TestScope } from '../support/harness';

describe('callwatch rules delete|enable|disable|export', () => {
  let scope: TestScope;

  beforeAll(async () => {
    scope = await testScope('rules-manage');
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), `
- { id: low-asr, title: Low ASR, scope: { all: customers }, area: asr, operator: "<", threshold: 30, reset_threshold: 35, sample_period: 15m, level: warning, penalty: 10m, notify: [ { email: noc@example.net } ] }
- { id: busy, title: Busy carrier, scope: { carrier: tel1 }, area: channels, operator: ">=", threshold: 100, level: info, notify: [ { sms: "+15551234567" } ] }
`);
    await applyRules([dir], { env: scope.env, appliedBy: 'alice', print: () => {} });
  });

  it('disables and enables a rule recording who, deletes one with a tombstone, and refuses unknown ids', async () => {
    const quiet = { env: scope.env, print: () => {} };
    expect(await changeRules(['busy'], 'disable', { ...quiet, by: 'bob' })).toEqual(['busy']);
    expect(await changeRules(['busy'], 'disable', { ...quiet, by: 'bob' })).toEqual([]); // already disabled: nothing published
    expect(await changeRules(['busy'], 'enable', { ...quiet, by: 'carol' })).toEqual(['busy']);
    await expect(changeRules(['busy', 'nope'], 'delete', quiet)).rejects.toThrow(/no such rule .*: nope; nothing changed/);
    expect(await changeRules(['busy'], 'delete', { ...quiet, by: 'erin' })).toEqual(['busy']);

    const published = await collect(scope, scope.topics.rule, 'rule', (m) => m.length >= 5);
    expect(published.filter((m) => m.key === 'busy').map((m) => (m.value === null ? 'tombstone' : `${m.value.enabled} by ${m.value.applied_by}`))).toEqual([
      'true by alice', 'false by bob', 'true by carol', 'tombstone',
    ]);
    expect(published.find((m) => m.key === 'busy' && m.value === null)?.headers['applied-by']).toBe('erin');
    await expect(exportRules(['busy'], 'yaml', scope.env)).rejects.toThrow(/no such rule: busy/);
  });

  it('exports the live rules as files that apply back with no change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-export-'));
    writeFileSync(join(dir, 'exported.yaml'), await exportRules([], 'yaml', scope.env));
    writeFileSync(join(dir, 'exported.json'), await exportRules(['low-asr'], 'json', scope.env));
    const yaml = await applyRules([join(dir, 'exported.yaml')], { env: scope.env, appliedBy: 'dave', print: () => {} });
    expect(yaml.unchanged.map((r) => r.id)).toEqual(['low-asr']);
    expect([...yaml.create, ...yaml.update]).toEqual([]);
    const json = await applyRules([join(dir, 'exported.json')], { env: scope.env, appliedBy: 'dave', print: () => {} });
    expect(json.unchanged.map((r) => r.id)).toEqual(['low-asr']);
  });

  it('diffs files against the live rules field by field without publishing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-diff-'));
    writeFileSync(join(dir, 'rules.yaml'), `
- { id: low-asr, title: Low ASR, scope: { all: customers }, area: asr, operator: "<", threshold: 25, reset_threshold: 35, sample_period: 15m, level: error, penalty: 10m, notify: [ { email: noc@example.net } ] }
- { id: high-pdd, title: High PDD, scope: { all: carriers }, area: pdd, operator: ">", threshold: 4000, sample_period: 5m, level: warning }
`);
    const lines: string[] = [];
    const diff = await diffRules([dir], { env: scope.env, print: (l) => lines.push(l) });
    expect(lines).toEqual([
      '+ high-pdd  (new)', '~ low-asr  (changed)', '    level: warning → error', '    threshold: 30 → 25',
      '1 new, 1 changed, 0 unchanged, 0 only on the topic',
    ]);
    expect(diff.onlyOnTopic).toEqual([]);
    writeFileSync(join(dir, 'rules.yaml'), '[]\n');
    expect((await diffRules([dir], { env: scope.env, print: () => {} })).onlyOnTopic).toEqual(['low-asr']);
    // Nothing was published: low-asr is still the applied version.
    expect(await exportRules(['low-asr'], 'json', scope.env)).toContain('"threshold": 30');
  });
});
