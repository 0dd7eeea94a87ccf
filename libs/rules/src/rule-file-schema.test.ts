import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AREAS, GAUGE_AREAS, LEVELS, OPERATORS, WINDOWED_AREAS } from './areas';
import { NOTIFY_KEYS, RULE_FILE_FIELDS, SCOPE_KEYS } from './rule-file-format';

interface SchemaNode { properties?: Record<string, SchemaNode>; enum?: unknown[]; items?: SchemaNode; allOf?: SchemaNode[]; if?: SchemaNode; then?: SchemaNode; not?: SchemaNode; required?: string[] }

// The published JSON Schema and the parser must accept the same fields, or editors and `callwatch rules` disagree.
describe('rule-file.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, '..', 'rule-file.schema.json'), 'utf8')) as { $schema: string; $defs: { rule: SchemaNode } };
  const rule = schema.$defs.rule;
  const props = rule.properties ?? {};
  const keys = (node: SchemaNode | undefined): string[] => Object.keys(node?.properties ?? {}).sort();
  // The areas of the `if` block whose `then` matches: which areas need, or refuse, a field.
  const areasWhere = (then: (node: SchemaNode) => boolean): unknown[] =>
    (rule.allOf ?? []).filter((b) => b.then && then(b.then)).flatMap((b) => b.if?.properties?.['area']?.enum ?? []);

  it('is draft 2020-12', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it.each<[string, string[], unknown[]]>([
    ['rule fields', keys(rule), [...RULE_FILE_FIELDS].sort()],
    ['scope keys', keys(props['scope']), [...SCOPE_KEYS].sort()],
    ['notify channels', keys(props['notify']?.items), [...NOTIFY_KEYS].sort()],
    ['areas', (props['area']?.enum ?? []) as string[], [...AREAS]],
    ['operators', (props['operator']?.enum ?? []) as string[], [...OPERATORS]],
    ['levels', (props['level']?.enum ?? []) as string[], [...LEVELS]],
    ['areas that need a sample_period', areasWhere((t) => t.required?.includes('sample_period') === true), [...WINDOWED_AREAS]],
    ['areas that refuse a sample_period', areasWhere((t) => t.not?.required?.includes('sample_period') === true), [...GAUGE_AREAS]],
    ['areas that need a threshold', areasWhere((t) => t.required?.includes('threshold') === true), [...WINDOWED_AREAS, ...GAUGE_AREAS]],
  ])('lists the same %s as the parser', (_name, inSchema, inParser) => {
    expect(inSchema).toEqual(inParser);
  });
});
