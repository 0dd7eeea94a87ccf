import { editDistance, type FieldPath } from '@callwatch/core';
import type { Template, TemplateVariant } from '@callwatch/schemas';
import { ALERT_LEVELS, ALERT_TYPES } from './template-sample';
import { TEMPLATE_PARTS } from './template-variant';

/** TemplateFieldReport records one problem of a template; `at: 'key'` points at a field's name rather than its value. */
export type TemplateFieldReport = (path: FieldPath, message: string, options?: { at?: 'key' | 'value' }) => void;

/** TemplateBody is a checked template before it is stamped with who applied it and when. */
export type TemplateBody = Omit<Template, 'applied_by' | 'applied_at_ms'>;

/** TEMPLATE_FILE_FIELDS lists every field of a template in a template file, in the order exports write them. */
export const TEMPLATE_FILE_FIELDS = ['id', 'description', ...TEMPLATE_PARTS, 'variants'] as const;

/** VARIANT_FIELDS lists every field of one entry of a template's `variants`. */
export const VARIANT_FIELDS = ['type', 'level', ...TEMPLATE_PARTS] as const;

const SLUG = /^[a-z0-9][a-z0-9-_]*$/;

/** describeValue renders a parsed value for the "got …" half of an error message. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return isMapping(value) ? 'a mapping' : 'a tagged value (!!timestamp, !!binary, …)';
  return String(value);
}

// Only a plain object: YAML tags such as !!timestamp, !!binary and !!set parse into a Date, bytes or a Set.
function isMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function unknownFields(obj: Record<string, unknown>, fields: readonly string[], at: FieldPath, what: string, report: TemplateFieldReport): void {
  for (const key of Object.keys(obj)) {
    if (fields.includes(key)) continue;
    const near = fields.find((f) => editDistance(f, key) <= 2);
    const message = near ? `expected a ${what} field (did you mean ${near}?), got unknown field ${key}` : `expected one of ${fields.join(', ')}, got unknown field ${key}`;
    report([...at, key], message, { at: 'key' });
  }
}

// YAML `key:` with nothing after it parses as null: absent, so "required" errors read naturally.
function readText(obj: Record<string, unknown>, key: string, at: FieldPath, report: TemplateFieldReport, required: boolean): string | null {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (required) report([...at, key], `expected field ${key}, got nothing`);
    return null;
  }
  if (typeof value === 'string' && value.trim() !== '') return value;
  report([...at, key], `expected a non-empty string, got ${describeValue(value)}`);
  return null;
}

function readChoice(obj: Record<string, unknown>, key: string, choices: readonly string[], at: FieldPath, report: TemplateFieldReport): string | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && choices.includes(value)) return value;
  report([...at, key], `expected one of ${choices.join(', ')}, got ${describeValue(value)}`);
  return null;
}

function readVariant(input: unknown, at: FieldPath, report: TemplateFieldReport): TemplateVariant | null {
  if (!isMapping(input)) {
    report(at, `expected a variant mapping with type and/or level and the parts it replaces, got ${describeValue(input)}`);
    return null;
  }
  unknownFields(input, VARIANT_FIELDS, at, 'variant', report);
  const variant: TemplateVariant = {
    type: readChoice(input, 'type', ALERT_TYPES, at, report),
    level: readChoice(input, 'level', ALERT_LEVELS, at, report),
    subject: readText(input, 'subject', at, report, false),
    mjml: readText(input, 'mjml', at, report, false),
    text: readText(input, 'text', at, report, false),
    sms: readText(input, 'sms', at, report, false),
  };
  if (input['type'] == null && input['level'] == null) report(at, 'expected type, level or both (which alerts the variant is for), got neither');
  if (TEMPLATE_PARTS.every((part) => input[part] == null)) report(at, `expected at least one of ${TEMPLATE_PARTS.join(', ')}, got none`);
  return variant;
}

function readVariants(input: Record<string, unknown>, report: TemplateFieldReport): TemplateVariant[] {
  const value = input['variants'];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    report(['variants'], `expected a list of variants, got ${describeValue(value)}`);
    return [];
  }
  const seen = new Map<string, number>();
  const variants: TemplateVariant[] = [];
  value.forEach((item, i) => {
    const variant = readVariant(item, ['variants', i], report);
    if (!variant) return;
    variants.push(variant);
    // Only a variant whose type and level read well can be told to clash with another.
    const raw = item as Record<string, unknown>;
    if ((raw['type'] != null && variant.type === null) || (raw['level'] != null && variant.level === null) || (variant.type === null && variant.level === null)) return;
    const match = `type ${variant.type ?? 'any'}, level ${variant.level ?? 'any'}`;
    const first = seen.get(match);
    if (first !== undefined) report(['variants', i], `expected one variant per type and level, got a second for ${match} (the first is variants[${first}])`);
    else seen.set(match, i);
  });
  return variants;
}

/**
 * checkTemplateFields reads one parsed template mapping into a TemplateBody, reporting every problem of its fields; the
 * body holds what could be read (parts in question are empty), so its parts can still be checked; null for no mapping.
 */
export function checkTemplateFields(input: unknown, reportOut: TemplateFieldReport): { body: TemplateBody; problems: number } | null {
  let problems = 0;
  const report: TemplateFieldReport = (path, message, options) => {
    problems += 1;
    reportOut(path, message, options);
  };
  if (!isMapping(input)) {
    report([], `expected a template mapping with id, subject, mjml, text and sms, got ${describeValue(input)}`);
    return null;
  }
  unknownFields(input, TEMPLATE_FILE_FIELDS, [], 'template', report);
  const id = readText(input, 'id', [], report, true);
  if (id !== null && !SLUG.test(id)) report(['id'], `expected a slug of a-z, 0-9, - and _ such as low-asr-mail, got ${describeValue(id)}`);
  const body = {
    id: id ?? '',
    description: readText(input, 'description', [], report, false),
    subject: readText(input, 'subject', [], report, true) ?? '',
    mjml: readText(input, 'mjml', [], report, true) ?? '',
    text: readText(input, 'text', [], report, true) ?? '',
    sms: readText(input, 'sms', [], report, true) ?? '',
    variants: readVariants(input, report),
  };
  return { body, problems };
}
