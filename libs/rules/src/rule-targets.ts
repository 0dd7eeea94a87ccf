import type { FieldPath } from '@callwatch/core';
import type { NotifyTarget, RuleScope } from '@callwatch/schemas';
import { GROUP_BY_FIELDS } from '@callwatch/schemas';
import { NOTIFY_KEYS, SCOPE_KEYS } from './rule-file-format';
import { describe, isMapping, type Fields } from './rule-fields';

const E164 = /^\+[1-9]\d{6,14}$/;
// Deliberately loose: SES is the real judge of an address; this catches typos such as a missing @ or domain.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Pushover user and group keys are 30 characters of A-Z, a-z and 0-9.
const PUSHOVER_KEY = /^[A-Za-z0-9]{30}$/;

// Ids such as `customer: 007` parse as numbers; the id is the text the admin wrote.
function idText(f: Fields, path: FieldPath, value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number') return f.raw(path);
  return undefined;
}

/** readScope reads `scope: {customer: acme} | {carrier: x} | {class: gold} | {all: customers|carriers}`. */
export function readScope(f: Fields): RuleScope | undefined {
  const scope = f.obj['scope'];
  if (!isMapping(scope)) {
    f.report(['scope'], `expected a mapping with one of ${SCOPE_KEYS.join(', ')}, got ${describe(scope)}`);
    return undefined;
  }
  const keys = Object.keys(scope);
  for (const key of keys) {
    if (!(SCOPE_KEYS as readonly string[]).includes(key)) {
      f.report(['scope', key], `expected one of ${SCOPE_KEYS.join(', ')}, got unknown key ${key}`, { at: 'key' });
    }
  }
  const known = keys.filter((k) => (SCOPE_KEYS as readonly string[]).includes(k));
  if (known.length !== 1) {
    f.report(['scope'], `expected exactly one of ${SCOPE_KEYS.join(', ')}, got ${known.length === 0 ? 'none' : known.join(' and ')}`);
    return undefined;
  }
  const key = known[0] as (typeof SCOPE_KEYS)[number];
  const value = scope[key];
  if (key === 'all') {
    if (value === 'customers') return { kind: 'all_customers', value: null };
    if (value === 'carriers') return { kind: 'all_carriers', value: null };
    f.report(['scope', 'all'], `expected customers or carriers, got ${describe(value)}`);
    return undefined;
  }
  const id = idText(f, ['scope', key], value);
  if (id === undefined) {
    f.report(['scope', key], `expected a ${key === 'class' ? 'class name' : `${key} id`}, got ${describe(value)}`);
    return undefined;
  }
  return { kind: key, value: id };
}

function readTarget(f: Fields, i: number, entry: unknown): NotifyTarget | undefined {
  const path: FieldPath = ['notify', i];
  const keys = isMapping(entry) ? Object.keys(entry) : [];
  const channel = keys[0];
  if (!isMapping(entry) || keys.length !== 1 || channel === undefined) {
    f.report(path, `expected a mapping with exactly one of ${NOTIFY_KEYS.join(', ')}, got ${isMapping(entry) ? keys.join(' and ') || 'none' : describe(entry)}`);
    return undefined;
  }
  const value = entry[channel];
  const at: FieldPath = [...path, channel];
  switch (channel) {
    case 'email':
      if (typeof value === 'string' && EMAIL.test(value)) return { channel, target: value };
      f.report(at, `expected an email address such as noc@example.net, got ${describe(value)}`);
      return undefined;
    case 'sms': {
      // Unquoted `+15551234567` is a YAML number; the raw text keeps the + and any leading digits.
      const phone = typeof value === 'number' ? f.raw(at) : value;
      if (typeof phone === 'string' && E164.test(phone)) return { channel, target: phone };
      f.report(at, `expected an E.164 phone number such as "+15551234567", got ${describe(phone ?? value)}`);
      return undefined;
    }
    case 'webhook':
      if (typeof value === 'string' && isHttpUrl(value)) return { channel, target: value };
      f.report(at, `expected an http(s) URL, got ${describe(value)}`);
      return undefined;
    case 'slack':
      if (typeof value === 'string' && isHttpUrl(value)) return { channel, target: value };
      f.report(at, `expected a Slack-compatible incoming webhook URL, got ${describe(value)}`);
      return undefined;
    case 'pushover': {
      const user = isMapping(value) ? value['user'] : undefined;
      const extra = isMapping(value) ? Object.keys(value).filter((k) => k !== 'user') : [];
      if (typeof user === 'string' && PUSHOVER_KEY.test(user) && extra.length === 0) return { channel, target: user };
      f.report(at, `expected { user: <Pushover user or group key, 30 letters and digits> }, got ${isMapping(value) ? (extra.length > 0 ? `unknown key ${extra.join(', ')}` : describe(user)) : describe(value)}`);
      return undefined;
    }
    case 'contacts':
      if (value === true) return { channel, target: null };
      f.report(at, `expected true (notify the entity's own contacts), got ${describe(value)}`);
      return undefined;
    default:
      f.report(at, `expected one of ${NOTIFY_KEYS.join(', ')}, got unknown channel ${channel}`, { at: 'key' });
      return undefined;
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** readNotify reads the `notify` list; entries with problems are reported and left out. */
export function readNotify(f: Fields): NotifyTarget[] {
  const notify = f.obj['notify'];
  if (notify === undefined || notify === null) return [];
  if (!Array.isArray(notify)) {
    f.report(['notify'], `expected a list such as [{ email: noc@example.net }], got ${describe(notify)}`);
    return [];
  }
  return notify.flatMap((entry: unknown, i) => readTarget(f, i, entry) ?? []);
}

/** readGroupBy reads `group_by`: a list of the alert fields that group notifications into digests. */
export function readGroupBy(f: Fields): string[] | undefined {
  const value = f.obj['group_by'];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    f.report(['group_by'], `expected a list of ${GROUP_BY_FIELDS.join(', ')} such as [rule, level], got ${describe(value)}`);
    return undefined;
  }
  const fields: string[] = [];
  value.forEach((field: unknown, i) => {
    if (typeof field === 'string' && (GROUP_BY_FIELDS as readonly string[]).includes(field)) {
      if (!fields.includes(field)) fields.push(field);
    } else f.report(['group_by', i], `expected one of ${GROUP_BY_FIELDS.join(', ')}, got ${describe(field)}`);
  });
  return fields;
}

/** readCodes reads the `codes` list of SIP final response codes for area code_ratio. */
export function readCodes(f: Fields): number[] {
  const codes = f.obj['codes'];
  if (codes === undefined || codes === null) return [];
  if (!Array.isArray(codes) || codes.length === 0) {
    f.report(['codes'], `expected a non-empty list of SIP codes such as [486, 503], got ${describe(codes)}`);
    return [];
  }
  return codes.flatMap((code: unknown, i) => {
    if (typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 699) return [code];
    f.report(['codes', i], `expected a SIP response code from 100 to 699, got ${describe(code)}`);
    return [];
  });
}
