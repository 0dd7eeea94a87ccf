import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyClasses, cliConfig, deleteClasses, diffClasses, exportClasses, formatClasses, listClasses, validateClasses } from '@callwatch/cli';
import { connect } from '@callwatch/kafka';
import type { Template } from '@callwatch/schemas';
import { collect, testScope, type TestScope } from '../support/harness';

const GOLD = `
name: gold
description: Gold postpay customers
template_set:
  name: gold-2026
  templates: { balance: gold-low-balance, asr.reset: asr, report: report }
notifications:
  - { rule: "low-balance-*", enabled: false }
  - { area: asr, enabled: true }
  - { event: penalty_applied, enabled: true }
  - { report: "*", enabled: false }
`;
const BRONZE = '- { name: bronze, template_set: null, rule_recipients: true }\n';

describe('callwatch classes', () => {
  let scope: TestScope;
  let dir: string;
  const quiet = () => ({ env: scope.env, appliedBy: 'alice', print: () => {} });

  beforeAll(async () => {
    scope = await testScope('classes');
    // An admin's own template: class files may name it because it is on the template topic.
    const template: Template = {
      id: 'gold-low-balance', subject: 'Low balance', mjml: '<mjml><mj-body></mj-body></mjml>', text: 'Low balance', sms: 'Low balance', description: null, variants: [],
      applied_by: 'alice', applied_at_ms: 1,
    };
    const connection = await connect(cliConfig(scope.env), 'classes-test', ['template']);
    await connection.publisher.publish(scope.topics.template, 'template', [{ key: template.id, value: template }]);
    await connection.close();
    dir = mkdtempSync(join(tmpdir(), 'callwatch-classes-'));
    writeFileSync(join(dir, 'gold.yaml'), GOLD);
    writeFileSync(join(dir, 'bronze.yaml'), BRONZE);
  });

  it('validates every file and knows the templates on the template topic', async () => {
    expect((await validateClasses([dir], { env: scope.env })).map((c) => c.name)).toEqual(['bronze', 'gold']);
    const bad = mkdtempSync(join(tmpdir(), 'callwatch-classes-bad-'));
    writeFileSync(join(bad, 'gold.yaml'), GOLD.replace('gold-low-balance', 'gold-low-balanse').replace('area: asr', 'area: asrr'));
    writeFileSync(join(bad, 'more.yaml'), 'name: gold\n');
    await expect(validateClasses([bad], { env: scope.env })).rejects.toThrow(/^3 problem\(s\) in the class files, nothing applied:\n {2}.*gold\.yaml:6:25 classes\[0\]\.template_set\.templates\.balance: expected a known template id \(.*gold-low-balance.*\), got "gold-low-balanse"\n {2}.*gold\.yaml:9:13 classes\[0\]\.notifications\[1\]\.area: expected one of asr, .*, got "asrr"\n {2}.*more\.yaml:1:7 classes\[0\]\.name: expected a unique class name, got "gold" \(also defined at .*gold\.yaml:2:7\)$/);
  });

  it('applies, lists, exports, and applying the export back changes nothing', async () => {
    const lines: string[] = [];
    expect((await applyClasses([dir], { ...quiet(), dryRun: true, print: (l) => lines.push(l) })).create.map((c) => c.name)).toEqual(['bronze', 'gold']);
    expect(lines).toEqual(['+ bronze  (new)', '+ gold  (new)', 'would apply 2 change(s), 0 unchanged']);
    expect(await listClasses(scope.env)).toEqual([]); // a dry run publishes nothing

    expect((await applyClasses([dir], quiet())).create.map((c) => c.name)).toEqual(['bronze', 'gold']);
    expect((await applyClasses([dir], quiet())).unchanged.map((c) => c.name)).toEqual(['bronze', 'gold']);
    expect(formatClasses(await listClasses(scope.env)).replace(/at \S+\)/g, 'at T)')).toBe([
      'bronze\tno template set (contacts get nothing)\t0 on, 0 off, rule recipients too\t\t(by alice at T)',
      'gold\tset gold-2026 (3 template(s))\t2 on, 2 off\tGold postpay customers\t(by alice at T)',
      '',
    ].join('\n'));

    const out = mkdtempSync(join(tmpdir(), 'callwatch-classes-export-'));
    writeFileSync(join(out, 'all.yaml'), await exportClasses([], 'yaml', scope.env));
    writeFileSync(join(out, 'gold.json'), await exportClasses(['gold'], 'json', scope.env));
    const again = await applyClasses([join(out, 'all.yaml')], { ...quiet(), appliedBy: 'bob' });
    expect([again.create, again.update, again.unchanged.map((c) => c.name)]).toEqual([[], [], ['bronze', 'gold']]);
    expect((await applyClasses([join(out, 'gold.json')], { ...quiet(), appliedBy: 'bob' })).unchanged.map((c) => c.name)).toEqual(['gold']);
    await expect(exportClasses(['platinum'], 'yaml', scope.env)).rejects.toThrow('no such class: platinum');

    // The topic holds one version of each class, applied by alice: nothing else was published.
    const published = await collect(scope, scope.topics.class, 'class', (m) => m.length >= 2);
    expect(published.map((m) => [m.key, m.value.applied_by])).toEqual(expect.arrayContaining([['bronze', 'alice'], ['gold', 'alice']]));
    expect(published).toHaveLength(2);
  });

  it('diffs files against the live classes field by field without publishing', async () => {
    const changed = mkdtempSync(join(tmpdir(), 'callwatch-classes-diff-'));
    writeFileSync(join(changed, 'gold.yaml'), GOLD.replace('area: asr, enabled: true', 'area: asr, enabled: false').replace('asr.reset: asr, ', '') + 'rule_recipients: true\n');
    writeFileSync(join(changed, 'silver.yaml'), 'name: silver\ntemplate_set: { name: silver }\n');
    const lines: string[] = [];
    const diff = await diffClasses([changed], { env: scope.env, print: (l) => lines.push(l) });
    expect(lines).toEqual([
      '+ silver  (new)',
      '~ gold  (changed)',
      '    template_set.templates.asr.reset: asr → (none)',
      '    notifications[1]: area asr on → area asr off',
      '    rule_recipients: false → true',
      '? bronze  (on the topic, in no file)',
      '1 new, 1 changed, 0 unchanged, 1 only on the topic',
    ]);
    expect(diff.onlyOnTopic).toEqual(['bronze']);
    expect((await listClasses(scope.env)).map((c) => c.name)).toEqual(['bronze', 'gold']);
  });

  it('deletes classes with a tombstone that records who, and refuses unknown names', async () => {
    await expect(deleteClasses(['bronze', 'platinum'], { env: scope.env, print: () => {} })).rejects.toThrow(/no such class on .*: platinum; nothing changed/);
    const lines: string[] = [];
    expect(await deleteClasses(['bronze'], { env: scope.env, by: 'erin', now: 42, print: (l) => lines.push(l) })).toEqual(['bronze']);
    expect(lines).toEqual(['- bronze  (deleted)']);
    expect((await listClasses(scope.env)).map((c) => c.name)).toEqual(['gold']);
    const published = await collect(scope, scope.topics.class, 'class', (m) => m.length >= 3);
    const tombstone = published.find((m) => m.key === 'bronze' && m.value === null);
    expect(tombstone?.headers).toMatchObject({ 'applied-by': 'erin', 'applied-at-ms': '42' });
  });
});
