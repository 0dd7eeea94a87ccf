import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRules, applyTemplates, deleteTemplates, diffTemplates, exportTemplates, listTemplates, renderTemplate, validateFiles } from '@callwatch/cli';
import { collect, testScope, type TestScope } from '../support/harness';

const MJML = (body: string) => ['mjml: |', '  <mjml>', '    <mj-body>', '      <mj-section>', '        <mj-column>', `          ${body}`, '        </mj-column>', '      </mj-section>', '    </mj-body>', '  </mjml>'];

// A template file; line 9 of it is the <mj-text> line.
const template = (id: string, { subject = 'ASR {{value}}{{unit}} for {{entity.name}}', body = '<mj-text>{{entity.name}}: {{value}}{{unit}}</mj-text>', extra = [] as string[] } = {}) => [
  `id: ${id}`, 'description: mine', `subject: "${subject}"`, ...MJML(body), 'text: |', '  {{rule.title}}: {{value}}{{unit}}', 'sms: "{{level}} {{entity.name}} {{value}}{{unit}}"', ...extra, '',
].join('\n');

const rule = (id: string, templateId: string) =>
  `- { id: ${id}, title: ${id}, scope: { all: customers }, area: asr, operator: "<", threshold: 30, sample_period: 15m, level: warning, template: ${templateId} }\n`;

describe('callwatch templates', () => {
  let scope: TestScope;
  let dir: string;
  const quiet = () => ({ env: scope.env, appliedBy: 'alice', print: () => {} });

  beforeAll(async () => {
    scope = await testScope('templates');
    dir = mkdtempSync(join(tmpdir(), 'callwatch-templates-'));
  });

  it('applies templates, lists them, exports files that apply back unchanged, and diffs part by part', async () => {
    writeFileSync(join(dir, 'mine.yaml'), template('mine', { extra: ['variants:', '  - { type: reset, sms: "ok {{entity.name}}" }'] }));
    writeFileSync(join(dir, 'other.yaml'), template('other'));
    const lines: string[] = [];
    const plan = await applyTemplates([dir], { ...quiet(), print: (l) => lines.push(l) });
    expect(lines).toEqual(['+ mine  (new)', '+ other  (new)', 'applied 2 change(s), 0 unchanged']);
    expect(plan.create.map((t) => t.id)).toEqual(['mine', 'other']);

    const listed: string[] = [];
    expect((await listTemplates(scope.env, (l) => listed.push(l))).map((t) => t.id)).toEqual(['mine', 'other']);
    expect(listed[0]).toMatch(/^mine\t1 variant\(s\)\tnamed by 0 rule\(s\)\tmine\t\(by alice at /);

    const out = mkdtempSync(join(tmpdir(), 'callwatch-templates-export-'));
    writeFileSync(join(out, 'all.yaml'), await exportTemplates([], 'yaml', scope.env));
    writeFileSync(join(out, 'mine.json'), await exportTemplates(['mine'], 'json', scope.env));
    expect((await applyTemplates([join(out, 'all.yaml')], quiet())).unchanged.map((t) => t.id)).toEqual(['mine', 'other']);
    expect((await applyTemplates([join(out, 'mine.json')], quiet())).unchanged.map((t) => t.id)).toEqual(['mine']);

    writeFileSync(join(dir, 'mine.yaml'), template('mine', { subject: 'changed {{value}}', extra: ['variants:', '  - { type: reset, sms: "resolved {{entity.name}}" }'] }));
    writeFileSync(join(dir, 'other.yaml'), '[]\n');
    writeFileSync(join(dir, 'third.yaml'), template('third'));
    const diffLines: string[] = [];
    const diff = await diffTemplates([dir], { env: scope.env, print: (l) => diffLines.push(l) });
    expect(diffLines).toEqual([
      '+ third  (new)', '~ mine  (changed)', '    subject', '    variants[0] (type reset): sms', '? other  (on the topic, in no file)',
      '1 new, 1 changed, 0 unchanged, 1 only on the topic',
    ]);
    expect(diff.onlyOnTopic).toEqual(['other']);
    // Nothing was published by the diff.
    expect(await exportTemplates(['mine'], 'json', scope.env)).toContain('"subject": "ASR {{value}}{{unit}} for {{entity.name}}"');
  });

  it('lets rules name live templates and templates given in the same run, and names unknown ones', async () => {
    const rules = join(dir, '..', `rules-${scope.id}.yaml`);
    writeFileSync(rules, rule('uses-mine', 'mine') + rule('uses-new', 'brand-new') + rule('uses-stock', 'balance'));
    await expect(validateFiles([rules], 'test', Date.now(), { env: scope.env })).rejects.toThrow(/rules\[1\]\.template: expected a known template id \(.*mine.*\), got "brand-new"/);
    const fresh = mkdtempSync(join(tmpdir(), 'callwatch-templates-new-'));
    writeFileSync(join(fresh, 'new.yaml'), template('brand-new'));
    expect((await validateFiles([rules], 'test', Date.now(), { env: scope.env, templatePaths: [fresh] })).map((r) => r.template)).toEqual(['mine', 'brand-new', 'balance']);
    // rules apply --templates applies the templates first.
    const lines: string[] = [];
    await applyRules([rules], { ...quiet(), templatePaths: [fresh], print: (l) => lines.push(l) });
    expect(lines).toEqual([
      '+ brand-new  (new)', 'applied 1 change(s), 0 unchanged',
      '+ uses-mine  (new)', '+ uses-new  (new)', '+ uses-stock  (new)', 'applied 3 change(s), 0 unchanged',
    ]);
  });

  it('refuses a version of a template a live rule uses that breaks it, naming the rule', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'callwatch-templates-broken-'));
    writeFileSync(join(broken, 'mine.yaml'), template('mine', { body: '<mj-text foo="1">{{entity.nme}}</mj-text>' }));
    const attempt = applyTemplates([broken], quiet());
    await expect(attempt).rejects.toMatchObject({ code: 'CW_ERR_TEMPLATE_IN_USE' });
    await expect(attempt).rejects.toThrow([
      '2 problem(s) in the template files, nothing applied:',
      `  ${join(broken, 'mine.yaml')}:9:3 templates[0].mjml: expected valid MJML (strict), got <mj-text>: Attribute foo is illegal`,
      `  ${join(broken, 'mine.yaml')}:9:28 templates[0].mjml: expected a template variable (see docs/templates.md), got unknown variable entity.nme (did you mean entity.name?)`,
      '  template mine is used by live rule(s) uses-mine: this version would break their notifications',
    ].join('\n'));
    // A template no rule uses fails as merely invalid.
    writeFileSync(join(broken, 'mine.yaml'), template('unused', { body: '<mj-text foo="1">x</mj-text>' }));
    await expect(applyTemplates([broken], quiet())).rejects.toMatchObject({ code: 'CW_ERR_TEMPLATE_INVALID' });
    expect(await exportTemplates(['mine'], 'json', scope.env)).toContain('{{entity.name}}: {{value}}{{unit}}');
  });

  it('refuses to delete a template a live rule names, unless forced; deletes with a tombstone', async () => {
    await expect(deleteTemplates(['mine', 'other'], { env: scope.env, print: () => {} }))
      .rejects.toThrow('live rules name these templates, nothing deleted (change the rules first, or --force):\n  mine: named by rule(s) uses-mine');
    await expect(deleteTemplates(['nope'], { env: scope.env, print: () => {} })).rejects.toThrow(/no such template .*: nope/);
    const lines: string[] = [];
    expect(await deleteTemplates(['other'], { env: scope.env, by: 'erin', print: (l) => lines.push(l) })).toEqual(['other']);
    expect(lines).toEqual(['- other  (deleted)']);
    const published = await collect(scope, scope.topics.template, 'template', (m) => m.some((x) => x.key === 'other' && x.value === null));
    expect(published.find((m) => m.key === 'other' && m.value === null)?.headers['applied-by']).toBe('erin');
    expect(await deleteTemplates(['mine'], { env: scope.env, force: true, print: () => {} })).toEqual(['mine']);
  });

  it('renders a template for a short alert into files, from the files given, the topic or stock', async () => {
    const out = mkdtempSync(join(tmpdir(), 'callwatch-templates-render-'));
    const result = await renderTemplate('third', {
      env: scope.env, files: [dir], out, print: () => {},
      alert: '{"type":"fired","value":12.5,"level":"critical"}', account: '{"name":"ACME <b>","timezone":"Europe/Berlin","locale":"de-DE"}',
    });
    expect(result).toMatchObject({ source: 'file', variant: 'base', sms: { encoding: 'GSM-7', segments: 1 } });
    expect(readFileSync(join(out, 'subject.txt'), 'utf8')).toBe('ASR 12.5% for ACME <b>');
    expect(readFileSync(join(out, 'email.html'), 'utf8')).toContain('ACME &lt;b&gt;: 12.5%');
    expect(readFileSync(join(out, 'email.txt'), 'utf8')).toBe('Sample rule: 12.5%\n');
    expect(readFileSync(join(out, 'sms.txt'), 'utf8')).toBe('critical ACME <b> 12.5%');
    const printed: string[] = [];
    expect((await renderTemplate('brand-new', { env: scope.env, print: (t) => printed.push(t) })).source).toBe('topic');
    expect(printed.join('')).toContain('sms: warning acme 27.5%\nsms length: 1 segment(s) (GSM-7, 18 septets)');
    expect((await renderTemplate('report', { env: scope.env, alert: '{"area":"balance","type":"report"}', print: () => {} })).rendered.subject).toBe('Report: Sample rule — acme: 44.99');
  });
});
