import type { FieldPath } from '@callwatch/core';
import type { ClassNotification, ClassNotificationKind, CustomerClass, TemplateSet } from '@callwatch/schemas';
import { AREAS, isArea } from './areas';
import { CLASS_FILE_FIELDS, CLASS_NOTIFICATION_KINDS, TEMPLATE_KEY_TYPES, TEMPLATE_SET_FIELDS } from './class-file-format';
import { RULE_EVENTS, isRuleEvent } from './event-rules';
import { describe, isMapping, readBoolean, readString, requireField, type Fields, type Report } from './rule-fields';

/** ClassBody is a checked customer class before it is stamped with who applied it and when. */
export type ClassBody = Omit<CustomerClass, 'applied_by' | 'applied_at_ms'>;

// Rule ids are slugs (rule-check.ts); a rule entry may add the glob wildcards, as silences do.
const RULE_GLOB = /^[a-z0-9_*?-]+$/;
const KINDS = CLASS_NOTIFICATION_KINDS.join(', ');

/** checkClass turns one parsed class mapping into a ClassBody, reporting every problem; null when there was any. */
export function checkClass(
  input: unknown,
  opts: { report: Report; raw: (path: FieldPath) => string | undefined; knownTemplates: ReadonlySet<string> },
): ClassBody | null {
  let problems = 0;
  const report: Report = (path, message, options) => {
    problems += 1;
    opts.report(path, message, options);
  };
  if (!isMapping(input)) {
    report([], `expected a class mapping with name, template_set and notifications, got ${describe(input)}`);
    return null;
  }
  const f: Fields = { obj: input, report, raw: opts.raw };
  unknownFields(f, CLASS_FILE_FIELDS);
  const name = requireField(f, 'name') ? readString(f, 'name') : undefined;
  const description = readString(f, 'description');
  const templateSet = readTemplateSet(f, opts.knownTemplates);
  const notifications = readNotifications(f);
  const ruleRecipients = readBoolean(f, 'rule_recipients');
  if (problems > 0 || name === undefined) return null;
  return { name, description: description ?? null, template_set: templateSet ?? null, notifications, rule_recipients: ruleRecipients ?? false };
}

// A nested mapping is read with the same helpers, its paths prefixed so errors name and locate the whole field.
function nested(f: Fields, prefix: FieldPath, obj: Record<string, unknown>): Fields {
  return { obj, report: (path, message, o) => f.report([...prefix, ...path], message, o), raw: (path) => f.raw([...prefix, ...path]) };
}

function unknownFields(f: Fields, known: readonly string[]): void {
  for (const key of Object.keys(f.obj)) {
    if (!known.includes(key)) f.report([key], `expected one of ${known.join(', ')}, got unknown field ${key}`, { at: 'key' });
  }
}

// `template_set: null` (or leaving it out) is meaningful: no set, so the class's customers get nothing of their own.
function readTemplateSet(f: Fields, knownTemplates: ReadonlySet<string>): TemplateSet | null | undefined {
  const value = f.obj['template_set'];
  if (value === undefined || value === null) return null;
  if (!isMapping(value)) {
    f.report(['template_set'], `expected a mapping with name and templates, or null for no set, got ${describe(value)}`);
    return undefined;
  }
  const set = nested(f, ['template_set'], value);
  unknownFields(set, TEMPLATE_SET_FIELDS);
  const name = requireField(set, 'name', 'a template set is known by its name') ? readString(set, 'name') : undefined;
  const templates = readTemplates(set, knownTemplates);
  return name === undefined || templates === undefined ? undefined : { name, templates };
}

function readTemplates(set: Fields, knownTemplates: ReadonlySet<string>): Record<string, string> | undefined {
  const value = set.obj['templates'];
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) {
    set.report(['templates'], `expected a mapping of area, event or report (optionally .fired, .repeated, .reset or .report) to a template id, got ${describe(value)}`);
    return undefined;
  }
  const templates: Record<string, string> = {};
  let ok = true;
  for (const [key, id] of Object.entries(value)) {
    const keyProblem = templateKeyProblem(key);
    if (keyProblem !== null) {
      set.report(['templates', key], keyProblem, { at: 'key' });
      ok = false;
    }
    if (typeof id !== 'string' || id.trim() === '') {
      set.report(['templates', key], `expected a template id, got ${describe(id)}`);
      ok = false;
    } else if (!knownTemplates.has(id)) {
      set.report(['templates', key], `expected a known template id (${[...knownTemplates].sort().join(', ')}), got ${describe(id)}`);
      ok = false;
    } else {
      templates[key] = id;
    }
  }
  return ok ? templates : undefined;
}

// Says what is wrong with a template-set key (`asr`, `asr.reset`, `penalty_applied`, `report`), or null.
function templateKeyProblem(key: string): string | null {
  const dot = key.indexOf('.');
  const base = dot < 0 ? key : key.slice(0, dot);
  const type = dot < 0 ? null : key.slice(dot + 1);
  if (base !== 'report' && !isArea(base) && !isRuleEvent(base)) {
    return `expected an area (${AREAS.join(', ')}), an event (${RULE_EVENTS.join(', ')}) or report, optionally followed by .fired, .repeated, .reset or .report, got ${describe(key)}`;
  }
  if (type === null) return null;
  if (base === 'report') return `expected report alone (every report, whatever its area; name one area's reports as <area>.report), got ${describe(key)}`;
  if (!(TEMPLATE_KEY_TYPES as readonly string[]).includes(type)) return `expected .fired, .repeated, .reset or .report after ${base}, got ${describe(key)}`;
  // An event rule sends one `fired` alert per event: it never repeats, resets or reports.
  if ((base === 'event' || isRuleEvent(base)) && type !== 'fired') return `expected ${base} or ${base}.fired (an event rule only fires), got ${describe(key)}`;
  return null;
}

function readNotifications(f: Fields): ClassNotification[] {
  const value = f.obj['notifications'];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    f.report(['notifications'], `expected a list of { <${CLASS_NOTIFICATION_KINDS.join('|')}>: …, enabled: true|false }, got ${describe(value)}`);
    return [];
  }
  const out: ClassNotification[] = [];
  const seen = new Map<string, number>();
  value.forEach((entry: unknown, i: number) => {
    const notification = readNotification(f, i, entry);
    if (notification === undefined) return;
    // Among equally specific entries the later wins, so the same entry twice is a mistake: one of them never counts.
    const key = `${notification.kind} ${notification.match}`;
    const first = seen.get(key);
    if (first !== undefined) {
      f.report(['notifications', i, notification.kind], `expected each notification once, got ${key} again (also notifications[${first}])`);
      return;
    }
    seen.set(key, i);
    out.push(notification);
  });
  return out;
}

function readNotification(f: Fields, i: number, entry: unknown): ClassNotification | undefined {
  if (!isMapping(entry)) {
    f.report(['notifications', i], `expected a mapping with one of ${KINDS} and enabled, got ${describe(entry)}`);
    return undefined;
  }
  const n = nested(f, ['notifications', i], entry);
  unknownFields(n, [...CLASS_NOTIFICATION_KINDS, 'enabled']);
  const kinds = CLASS_NOTIFICATION_KINDS.filter((k) => entry[k] !== undefined);
  const enabled = requireField(n, 'enabled', 'whether the class\'s customers receive it') ? readBoolean(n, 'enabled') : undefined;
  if (kinds.length !== 1) {
    n.report([], `expected exactly one of ${KINDS}, got ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`);
    return undefined;
  }
  const kind = kinds[0] as ClassNotificationKind;
  const match = readMatch(n, kind);
  return match === undefined || enabled === undefined ? undefined : { kind, match, enabled };
}

function readMatch(n: Fields, kind: ClassNotificationKind): string | undefined {
  const value = n.obj[kind];
  // Rule ids such as `007` parse as numbers; the id is the text the admin wrote.
  const text = typeof value === 'number' ? n.raw([kind]) : value;
  const ok = typeof text === 'string' && (
    kind === 'rule' ? RULE_GLOB.test(text)
      : kind === 'area' ? isArea(text)
        : kind === 'event' ? isRuleEvent(text)
          : text === '*'
  );
  if (ok) return text;
  const expected = {
    rule: 'a rule id or a glob of rule ids (a-z, 0-9, -, _ and the wildcards * and ?) such as low-balance-*',
    area: `one of ${AREAS.join(', ')}`,
    event: `one of ${RULE_EVENTS.join(', ')}`,
    report: '"*" (every report; name one report by its rule: id)',
  }[kind];
  n.report([kind], `expected ${expected}, got ${describe(value)}`);
  return undefined;
}
