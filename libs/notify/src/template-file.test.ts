import { formatTemplateProblem, validateTemplateFiles, type TemplateFileText } from './template-file';

const opts = { appliedBy: 'alice', now: 1_700_000_000_000, maxSmsSegments: 2 };
const lines = (...l: string[]): string => `${l.join('\n')}\n`;

function check(...files: TemplateFileText[]): { ids: string[]; errors: string[]; warnings: string[] } {
  const { templates, errors, warnings } = validateTemplateFiles(files, opts);
  return { ids: templates.map((t) => t.id), errors: errors.map(formatTemplateProblem), warnings: warnings.map(formatTemplateProblem) };
}

// A valid template; line 4 opens the MJML block, whose first line is file line 5.
const base = (...extra: string[]): string => lines(
  'id: low-asr-mail',
  'description: Low ASR, for the NOC',
  'subject: "[{{level}}] {{rule.title}}: {{entity.name}} {{value}}{{unit}}"',
  'mjml: |',
  '  <mjml>',
  '    <mj-body>',
  '      <mj-section>',
  '        <mj-column>',
  '          <mj-text>{{entity.name}}: {{areaLabel}} {{value}}{{unit}}</mj-text>',
  '        </mj-column>',
  '      </mj-section>',
  '    </mj-body>',
  '  </mjml>',
  'text: |',
  '  {{rule.title}} for {{entity.name}}: {{value}}{{unit}} ({{transition}})',
  'sms: "{{level}}: {{entity.name}} {{areaLabel}} {{value}}{{unit}}"',
  ...extra,
);

describe('validateTemplateFiles', () => {
  it('builds a Template with its variants and the caller stamp', () => {
    const text = base('variants:', '  - { type: reset, sms: "resolved: {{entity.name}}" }', '  - level: critical', '    subject: "CRITICAL {{rule.title}}"');
    const { templates, errors, warnings } = validateTemplateFiles([{ path: 't.yaml', text }], opts);
    expect([errors, warnings]).toEqual([[], []]);
    expect(templates).toEqual([{
      id: 'low-asr-mail', description: 'Low ASR, for the NOC', subject: '[{{level}}] {{rule.title}}: {{entity.name}} {{value}}{{unit}}',
      mjml: expect.stringContaining('<mj-text>{{entity.name}}') as unknown, text: '{{rule.title}} for {{entity.name}}: {{value}}{{unit}} ({{transition}})\n',
      sms: '{{level}}: {{entity.name}} {{areaLabel}} {{value}}{{unit}}',
      variants: [
        { type: 'reset', level: null, subject: null, mjml: null, text: null, sms: 'resolved: {{entity.name}}' },
        { type: null, level: 'critical', subject: 'CRITICAL {{rule.title}}', mjml: null, text: null, sms: null },
      ],
      applied_by: 'alice', applied_at_ms: 1_700_000_000_000,
    }]);
  });

  it('reads lists, --- documents and JSON', () => {
    const second = base().replace('low-asr-mail', 'second');
    const yaml = `${base()}---\n# nothing\n---\n${second}`;
    const json = JSON.stringify([{ id: 'third', subject: 'S', mjml: '<mjml><mj-body></mj-body></mjml>', text: 'T', sms: 'M {{value}}' }]);
    expect(check({ path: 'a.yaml', text: yaml }, { path: 'b.json', text: json })).toEqual({ ids: ['low-asr-mail', 'second', 'third'], errors: [], warnings: [] });
  });

  it('reports field problems at the field, with what was expected', () => {
    const text = lines(
      'id: Low ASR',
      'subjet: x',
      'mjml: "<mjml><mj-body></mj-body></mjml>"',
      'text: 42',
      'variants:',
      '  - { type: fire, sms: x }',
      '  - { text: y }',
      '  - { type: reset }',
      '  - { type: reset, text: z }',
    );
    expect(check({ path: 'f.yaml', text }).errors).toEqual([
      'f.yaml:1:1 templates[0].subject: expected field subject, got nothing',
      'f.yaml:1:1 templates[0].sms: expected field sms, got nothing',
      'f.yaml:1:5 templates[0].id: expected a slug of a-z, 0-9, - and _ such as low-asr-mail, got "Low ASR"',
      'f.yaml:2:1 templates[0].subjet: expected a template field (did you mean subject?), got unknown field subjet',
      'f.yaml:4:7 templates[0].text: expected a non-empty string, got 42',
      'f.yaml:6:13 templates[0].variants[0].type: expected one of fired, repeated, reset, report, got "fire"',
      'f.yaml:7:5 templates[0].variants[1]: expected type, level or both (which alerts the variant is for), got neither',
      'f.yaml:8:5 templates[0].variants[2]: expected at least one of subject, mjml, text, sms, got none',
      'f.yaml:9:5 templates[0].variants[3]: expected one variant per type and level, got a second for type reset, level any (the first is variants[2])',
    ]);
  });

  it('reports MJML problems at their line in the file, with what MJML said', () => {
    const text = base().replace('          <mj-text>{{entity.name}}', '          <mj-text foo="1">{{entity.name}}').replace('        </mj-column>', '          <mj-bogus />\n        </mj-column>');
    expect(check({ path: 'm.yaml', text }).errors).toEqual([
      'm.yaml:9:3 templates[0].mjml: expected valid MJML (strict), got <mj-text>: Attribute foo is illegal',
      "m.yaml:10:3 templates[0].mjml: expected valid MJML (strict), got <mj-bogus>: Element mj-bogus doesn't exist or is not registered",
    ]);
  });

  it('reports MJML problems of a variant at its own block', () => {
    const text = base('variants:', '  - type: reset', '    mjml: |', '      <mjml>', '        <mj-body><mj-text>x</mj-text></mj-body>', '      </mjml>');
    expect(check({ path: 'v.yaml', text }).errors).toEqual([
      'v.yaml:21:7 templates[0].variants[0].mjml: expected valid MJML (strict), got <mj-text>: mj-text cannot be used inside mj-body, only inside: mj-attributes, mj-column, mj-hero',
    ]);
  });

  it('rejects unknown variables and helpers at their line and column, with a hint', () => {
    const text = base()
      .replace('<mj-text>{{entity.name}}:', '<mj-text>{{entity.nam}}:')
      .replace('{{rule.title}} for {{entity.name}}:', '{{#each rule}}{{whatever}}{{/each}}{{#if isFird}}x{{/if}} for {{uppercase entity.name}}:')
      .replace('sms: "{{level}}:', 'sms: "{{> footer}}{{level}}:');
    expect(check({ path: 'h.yaml', text }).errors).toEqual([
      'h.yaml:9:20 templates[0].mjml: expected a template variable (see docs/templates.md), got unknown variable entity.nam (did you mean entity.name?)',
      'h.yaml:15:44 templates[0].text: expected a template variable (see docs/templates.md), got unknown variable isFird (did you mean isFired?)',
      'h.yaml:15:65 templates[0].text: expected a variable (templates have no helpers but the block helpers if, unless, each, with), got helper call uppercase',
      'h.yaml:16:7 templates[0].sms: expected variables and the block helpers if, unless, each and with, got a partial or decorator (templates have none)',
    ]);
  });

  it('rejects a block helper that does not exist, Handlebars syntax errors and unescaped HTML', () => {
    const text = base()
      .replace('subject: "[{{level}}]', 'subject: "{{#upper}}x{{/upper}}[{{level}}]')
      .replace('{{areaLabel}} {{value}}', '{{{areaLabel}}} {{value}}')
      .replace('sms: "{{level}}:', 'sms: "{{#if test}}unclosed {{level}}:');
    expect(check({ path: 's.yaml', text }).errors).toEqual([
      's.yaml:3:11 templates[0].subject: expected one of the block helpers if, unless, each, with, got {{#upper}}',
      's.yaml:9:37 templates[0].mjml: expected {{name}}, which escapes the value in HTML, got a triple-stash {{{…}}} or {{& …}} that would not',
      "s.yaml:16:7 templates[0].sms: expected valid Handlebars, got Expecting 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF'",
    ]);
  });

  it('warns, without failing, about an SMS of more segments than allowed', () => {
    const long = 'x'.repeat(300);
    const { ids, errors, warnings } = check({ path: 'w.yaml', text: base().replace('sms: "{{level}}:', `sms: "${long} {{level}}:`) });
    expect([ids, errors]).toEqual([['low-asr-mail'], []]);
    expect(warnings).toEqual([
      'w.yaml:16:7 templates[0].sms: expected an SMS of at most 2 segment(s), got 3 segment(s) (GSM-7, 332 septets) for a sample fired warning alert: "'
      + `${long} warning: ACME Telecom ASR 27.5%"`,
    ]);
  });

  it('reports duplicate ids across files at the second one', () => {
    expect(check({ path: 'a.yaml', text: base() }, { path: 'b.yaml', text: `# again\n${base()}` }).errors).toEqual([
      'b.yaml:2:5 templates[0].id: expected a unique id, got "low-asr-mail" (also defined at a.yaml:1:5)',
    ]);
  });

  it('reports YAML syntax errors', () => {
    expect(check({ path: 'y.yaml', text: 'id: [unclosed\n' }).errors[0]).toMatch(/^y\.yaml:\d+:\d+ expected valid YAML or JSON, got /);
  });
});
