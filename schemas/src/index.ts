import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from 'avsc';
import type { SchemaTypes } from './generated';

export * from './generated';

/** SchemaName names one Avro schema of schemas/avro (its file name without `.avsc`). */
export type SchemaName = keyof SchemaTypes;

/** SCHEMA_NAMES lists every schema callwatch publishes or consumes. */
export const SCHEMA_NAMES: readonly SchemaName[] = [
  'cdr', 'call_start', 'payment', 'account', 'rule', 'template', 'class', 'silence', 'metric', 'alert', 'action', 'notification',
];

/** GROUP_BY_FIELDS are the alert fields that a rule's `group_by` may name: alerts equal in all of them share one digest. */
export const GROUP_BY_FIELDS = ['rule', 'level', 'area', 'entity', 'type'] as const;

/** GroupByField is one of GROUP_BY_FIELDS. */
export type GroupByField = (typeof GROUP_BY_FIELDS)[number];

const cache = new Map<SchemaName, object>();

/** avroSchema returns the parsed Avro JSON of one schema, read once from schemas/avro. */
export function avroSchema(name: SchemaName): object {
  let schema = cache.get(name);
  if (!schema) {
    schema = JSON.parse(readFileSync(join(__dirname, '..', 'avro', `${name}.avsc`), 'utf8')) as object;
    cache.set(name, schema);
  }
  return schema;
}

const types = new Map<SchemaName, Type>();

/** invalidFields lists the paths of a value's fields that do not match an Avro schema (none: a producer would take it). */
export function invalidFields(name: SchemaName, value: unknown): string[] {
  let type = types.get(name);
  if (!type) types.set(name, (type = Type.forSchema(avroSchema(name) as never)));
  const invalid: string[] = [];
  type.isValid(value, { errorHook: (path) => invalid.push(path.join('.') || '(record)') });
  return invalid;
}
