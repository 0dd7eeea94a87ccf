import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AREAS, LEVELS, OPERATORS } from './areas';
import { NOTIFY_KEYS, RULE_FILE_FIELDS, SCOPE_KEYS } from './rule-file-format';

interface SchemaNode { properties?: Record<string, SchemaNode>; enum?: unknown[]; items?: SchemaNode }

// The published JSON Schema and the parser must accept the same fields, or editors and `callwatch rules` disagree.
describe('rule-file.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, '..', 'rule-file.schema.json'), 'utf8')) as { $schema: string; $defs: { rule: SchemaNode } };
  const rule = schema.$defs.rule;
  const props = rule.properties ?? {};
  const keys = (node: SchemaNode | undefined): string[] => Object.keys(node?.properties ?? {}).sort();

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
  ])('lists the same %s as the parser', (_name, inSchema, inParser) => {
    expect(inSchema).toEqual(inParser);
  });
});
