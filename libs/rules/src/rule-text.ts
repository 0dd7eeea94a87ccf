import { formatDuration } from '@callwatch/core';
import type { NotifyTarget, Rule, RuleScope } from '@callwatch/schemas';
import type { RuleFile, RuleFileNotify, RuleFileScope } from './rule-file-format';

/**
 * ruleToFile turns a Rule back into the file format of docs/design.md ("Rules") (for `callwatch rules export` and `diff`),
 * leaving out fields that hold their default so exported files read like hand-written ones.
 */
export function ruleToFile(rule: Rule): RuleFile {
  const file: RuleFile = { id: rule.id, title: rule.title, scope: scopeToFile(rule.scope), area: rule.area, level: rule.level };
  if (rule.operator !== null) file.operator = rule.operator;
  if (rule.threshold !== null) file.threshold = rule.threshold;
  if (rule.reset_threshold !== null) file.reset_threshold = rule.reset_threshold;
  if (rule.sample_period_ms !== null) file.sample_period = formatDuration(rule.sample_period_ms);
  if (rule.min_attempts !== 1) file.min_attempts = rule.min_attempts;
  if (rule.for_ms !== 0) file.for = formatDuration(rule.for_ms);
  if (rule.repeat_ms !== 0) file.repeat = formatDuration(rule.repeat_ms);
  if (rule.penalty_ms !== null) file.penalty = formatDuration(rule.penalty_ms);
  if (rule.codes.length > 0) file.codes = [...rule.codes];
  if (rule.notify.length > 0) file.notify = rule.notify.map(notifyToFile);
  if (rule.template !== null) file.template = rule.template;
  if (rule.group_by !== null) file.group_by = [...rule.group_by];
  if (rule.group_wait_ms !== null) file.group_wait = formatDuration(rule.group_wait_ms);
  if (rule.group_interval_ms !== null) file.group_interval = formatDuration(rule.group_interval_ms);
  if (!rule.enabled) file.enabled = false;
  // Key order follows RULE_FILE_FIELDS so exports diff cleanly: the extras come last, as in the field list.
  return { ...file, ...parseExtra(rule.extra_json) };
}

/** ruleEquals tells whether two rules say the same thing, ignoring who applied them and when. */
export function ruleEquals(a: Rule, b: Rule): boolean {
  const strip = (r: Rule): unknown => {
    const { applied_by: _by, applied_at_ms: _at, extra_json, ...rest } = r;
    // extra_json is compared parsed: the same extras may be serialized with keys in another order.
    return { ...rest, extra: parseExtra(extra_json) };
  };
  return deepEqual(strip(a), strip(b));
}

// The values ruleToFile leaves out because they are the default, shown by ruleChanges instead of "(none)".
const FILE_DEFAULTS: Record<string, unknown> = { enabled: true, min_attempts: 1, for: '0s', repeat: '0s' };

/**
 * ruleChanges lists, field by field in rule-file terms, how `to` differs from `from` (`threshold: 30 → 25`,
 * `penalty: (none) → 10m`, `notify[1].email: added billing@example.net`), for the plan that `rules diff` and `apply`
 * print and the audit trail of `history rules`.
 */
export function ruleChanges(from: Rule, to: Rule): string[] {
  const a: Record<string, unknown> = { ...ruleToFile(from) };
  const b: Record<string, unknown> = { ...ruleToFile(to) };
  const show = (field: string, v: unknown): string => {
    const shown = v ?? FILE_DEFAULTS[field];
    return shown === undefined ? '(none)' : typeof shown === 'string' ? shown : JSON.stringify(shown);
  };
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((field) => !deepEqual(a[field], b[field]))
    .flatMap((field) => (field === 'notify' ? notifyChanges(a.notify, b.notify) : [`${field}: ${show(field, a[field])} → ${show(field, b[field])}`]));
}

// Recipients change entry by entry, by position as the list is written: one line per channel of an entry.
function notifyChanges(from: unknown, to: unknown): string[] {
  const a = (from ?? []) as Array<Record<string, unknown>>;
  const b = (to ?? []) as Array<Record<string, unknown>>;
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const lines: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? {};
    const y = b[i] ?? {};
    for (const channel of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const [before, after] = [x[channel], y[channel]];
      if (deepEqual(before, after)) continue;
      const field = `notify[${i}].${channel}`;
      lines.push(before === undefined ? `${field}: added ${show(after)}` : after === undefined ? `${field}: removed ${show(before)}` : `${field}: ${show(before)} → ${show(after)}`);
    }
  }
  return lines;
}

function scopeToFile(scope: RuleScope): RuleFileScope {
  switch (scope.kind) {
    case 'all_customers': return { all: 'customers' };
    case 'all_carriers': return { all: 'carriers' };
    case 'customer': return { customer: scope.value ?? '' };
    case 'carrier': return { carrier: scope.value ?? '' };
    case 'class': return { class: scope.value ?? '' };
  }
}

function notifyToFile(target: NotifyTarget): RuleFileNotify {
  switch (target.channel) {
    case 'contacts': return { contacts: true };
    case 'email': return { email: target.target ?? '' };
    case 'sms': return { sms: target.target ?? '' };
    case 'webhook': return { webhook: target.target ?? '' };
    case 'slack': return { slack: target.target ?? '' };
    case 'pushover': return { pushover: { user: target.target ?? '' } };
  }
}

function parseExtra(json: string | null): Record<string, unknown> {
  return json === null ? {} : (JSON.parse(json) as Record<string, unknown>);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
