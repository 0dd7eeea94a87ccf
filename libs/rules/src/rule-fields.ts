import { parseDuration, type ErrorCode, type FieldPath } from '@callwatch/core';

/** Report records one problem of a rule; `at: 'key'` points at a field's name rather than its value (unknown fields). */
export type Report = (path: FieldPath, message: string, options?: { at?: 'key' | 'value'; code?: ErrorCode }) => void;

/** Fields is a rule mapping being read: its values, where to report problems, and the source text of scalars. */
export interface Fields {
  obj: Record<string, unknown>;
  report: Report;
  /** raw returns the source text of a scalar, because YAML reads `+15551234567` and `007` as numbers. */
  raw: (path: FieldPath) => string | undefined;
}

/** describe renders a parsed value for the "got …" half of an error message. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return `a timestamp ${Number.isNaN(value.getTime()) ? '' : value.toISOString()}`.trimEnd();
  if (typeof value === 'object') return isMapping(value) ? 'a mapping' : 'a tagged value (!!binary, !!set, …)';
  return String(value);
}

/** isMapping tells whether a parsed value is a YAML mapping / JSON object. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  // Only a plain object: YAML tags such as !!timestamp, !!binary and !!set parse into a Date, bytes or a Set.
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

// YAML `key:` with nothing after it parses as null: treat it as absent so "required" errors read naturally.
function present(f: Fields, key: string): unknown {
  const value = f.obj[key];
  return value === null ? undefined : value;
}

/** readString reads an optional non-empty string field. */
export function readString(f: Fields, key: string): string | undefined {
  const value = present(f, key);
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  f.report([key], `expected a non-empty string, got ${describe(value)}`);
  return undefined;
}

/** readNumber reads an optional finite number field. */
export function readNumber(f: Fields, key: string): number | undefined {
  const value = present(f, key);
  if (value === undefined) return undefined;
  // YAML and JSON read `-0` as minus zero, which the rule topic would carry as 0: it is 0.
  if (typeof value === 'number' && Number.isFinite(value)) return value === 0 ? 0 : value;
  f.report([key], `expected a number, got ${describe(value)}`);
  return undefined;
}

// The largest Avro int: counts are ints on the rule topic.
const MAX_COUNT = 2_147_483_647;

/** readCount reads an optional whole number ≥ 0 that fits an Avro int. */
export function readCount(f: Fields, key: string): number | undefined {
  const value = present(f, key);
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT) return value === 0 ? 0 : value;
  f.report([key], `expected a whole number ≥ 0${typeof value === 'number' && value > MAX_COUNT ? ` and at most ${MAX_COUNT}` : ''}, got ${describe(value)}`);
  return undefined;
}

/** readBoolean reads an optional true/false field. */
export function readBoolean(f: Fields, key: string): boolean | undefined {
  const value = present(f, key);
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  f.report([key], `expected true or false, got ${describe(value)}`);
  return undefined;
}

/** readDuration reads an optional duration such as `15m` or `1h30m` into milliseconds. */
export function readDuration(f: Fields, key: string): number | undefined {
  const value = present(f, key);
  if (value === undefined) return undefined;
  // A bare number is ambiguous (seconds? minutes?), so only 0 may go without a unit.
  if (value === 0) return 0;
  const negative = (typeof value === 'number' && value < 0) || (typeof value === 'string' && value.trim().startsWith('-'));
  if (negative) {
    f.report([key], `expected a non-negative duration such as 15m, got ${describe(value)}`);
    return undefined;
  }
  if (typeof value !== 'string') {
    f.report([key], `expected a duration with a unit such as 15m, 1h or 90s, got ${describe(value)}`);
    return undefined;
  }
  try {
    return parseDuration(value);
  } catch (err) {
    // parseDuration says what was expected: a unit, or a shorter duration.
    f.report([key], (err as Error).message);
    return undefined;
  }
}

/** requireField reports a missing required field and tells whether it is present. */
export function requireField(f: Fields, key: string, why = ''): boolean {
  if (present(f, key) !== undefined) return true;
  f.report([key], `expected field ${key}${why ? ` (${why})` : ''}, got nothing`);
  return false;
}

/** forbidField reports a field that makes no sense for this rule and tells whether it was absent. */
export function forbidField(f: Fields, key: string, why: string): boolean {
  if (present(f, key) === undefined) return true;
  f.report([key], `expected no ${key} ${why}, got ${describe(f.obj[key])}`);
  return false;
}
