import { editDistance, type FieldPath } from '@callwatch/core';
import type { Level, Rule } from '@callwatch/schemas';
import { AREAS, LEVELS, OPERATORS, isArea, isMetricArea, isOperator, isWindowedArea } from './areas';
import { EVENT_FIELDS, RULE_EVENTS, isRuleEvent, type RuleEventName } from './event-rules';
import { EXTRA_FIELDS, RULE_FILE_FIELDS } from './rule-file-format';
import {
  describe, forbidField, isMapping, readBoolean, readCount, readDuration, readNumber, readString, requireField,
  type Fields, type Report,
} from './rule-fields';
import { readCodes, readGroupBy, readNotify, readScope } from './rule-targets';
import { DEFAULT_TIMEZONE, cronProblem } from './schedule';

/** RuleBody is a checked rule before it is stamped with who applied it and when. */
export type RuleBody = Omit<Rule, 'applied_by' | 'applied_at_ms'>;

const SLUG = /^[a-z0-9][a-z0-9-_]*$/;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** checkRule turns one parsed rule mapping into a RuleBody, reporting every problem; null when there was any. */
export function checkRule(
  input: unknown,
  opts: { report: Report; raw: (path: FieldPath) => string | undefined; knownTemplates: ReadonlySet<string> },
): RuleBody | null {
  let problems = 0;
  const report: Report = (path, message, options) => {
    problems += 1;
    opts.report(path, message, options);
  };
  if (!isMapping(input)) {
    report([], `expected a rule mapping with id, title, scope, area and level, got ${describe(input)}`);
    return null;
  }
  const f: Fields = { obj: input, report, raw: opts.raw };
  for (const key of Object.keys(input)) {
    if (!(RULE_FILE_FIELDS as readonly string[]).includes(key)) report([key], unknownField(key), { at: 'key' });
  }

  const id = requireField(f, 'id') ? readString(f, 'id') : undefined;
  if (id !== undefined && !SLUG.test(id)) report(['id'], `expected a slug of a-z, 0-9, - and _ such as low-asr-warning, got ${describe(id)}`);
  const title = requireField(f, 'title') ? readString(f, 'title') : undefined;
  const scope = requireField(f, 'scope') ? readScope(f) : undefined;
  const areaText = requireField(f, 'area') ? readString(f, 'area') : undefined;
  const area = areaText !== undefined && isArea(areaText) ? areaText : undefined;
  if (areaText !== undefined && area === undefined) report(['area'], `expected one of ${AREAS.join(', ')}, got ${describe(areaText)}`);
  const levelText = requireField(f, 'level') ? readString(f, 'level') : undefined;
  const level = (LEVELS as readonly string[]).includes(levelText ?? '') ? (levelText as Level) : undefined;
  if (levelText !== undefined && level === undefined) report(['level'], `expected one of ${LEVELS.join(', ')}, got ${describe(levelText)}`);

  const operator = readOperator(f);
  const threshold = readNumber(f, 'threshold');
  const resetThreshold = readNumber(f, 'reset_threshold');
  const samplePeriodMs = readDuration(f, 'sample_period');
  if (samplePeriodMs !== undefined && (samplePeriodMs % MINUTE_MS !== 0 || samplePeriodMs < MINUTE_MS || samplePeriodMs > DAY_MS)) {
    report(['sample_period'], `expected a whole number of minutes from 1m to 24h, got ${describe(input['sample_period'])}`);
  }
  const minAttempts = readCount(f, 'min_attempts');
  const forMs = readDuration(f, 'for');
  const repeatMs = readDuration(f, 'repeat');
  const penaltyMs = readDuration(f, 'penalty');
  const codes = readCodes(f);
  const notify = readNotify(f);
  const template = readString(f, 'template');
  if (template !== undefined && !opts.knownTemplates.has(template)) {
    report(['template'], `expected a known template id (${[...opts.knownTemplates].sort().join(', ')}), got ${describe(template)}`);
  }
  const groupBy = readGroupBy(f);
  const groupWaitMs = readDuration(f, 'group_wait');
  const groupIntervalMs = readDuration(f, 'group_interval');
  if (groupIntervalMs === 0) report(['group_interval'], 'expected a duration above 0s such as 5m, got 0s');
  const enabled = readBoolean(f, 'enabled');
  checkExtras(f);
  if (area !== undefined) checkAreaFields(f, area);
  if (operator !== undefined && threshold !== undefined && resetThreshold !== undefined) {
    checkResetSide(f, operator, threshold, resetThreshold);
  }

  if (problems > 0 || id === undefined || title === undefined || scope === undefined || area === undefined || level === undefined) return null;
  const extra = Object.fromEntries(EXTRA_FIELDS.filter((k) => input[k] !== undefined && input[k] !== null).map((k) => [k, input[k]]));
  return {
    id, title, scope, area, level, codes, notify,
    operator: operator ?? null,
    threshold: threshold ?? null,
    reset_threshold: resetThreshold ?? null,
    sample_period_ms: samplePeriodMs ?? null,
    min_attempts: minAttempts ?? 1,
    for_ms: forMs ?? 0,
    repeat_ms: repeatMs ?? 0,
    penalty_ms: penaltyMs ?? null,
    template: template ?? null,
    group_by: groupBy ?? null,
    group_wait_ms: groupWaitMs ?? null,
    group_interval_ms: groupIntervalMs ?? null,
    enabled: enabled ?? true,
    extra_json: Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
  };
}

function readOperator(f: Fields): string | undefined {
  const value = f.obj['operator'];
  if (value === undefined || value === null) return undefined;
  if (isOperator(value)) return value;
  // Unquoted `>=` is a YAML block scalar and `!=` a tag: both arrive as "" and deserve a hint.
  const hint = value === '' ? ' (quote it in YAML: operator: ">=")' : '';
  f.report(['operator'], `expected one of ${OPERATORS.join(' ')}${hint}, got ${describe(value)}`);
  return undefined;
}

function checkAreaFields(f: Fields, area: string): void {
  const why = `for area ${area}`;
  const report = f.obj['schedule'] != null;
  if (report) checkReportFields(f, area);
  if (isMetricArea(area) && !report) {
    requireField(f, 'operator', `area ${area} compares its value with a threshold`);
    requireField(f, 'threshold', `area ${area} compares its value with a threshold`);
  }
  if (isWindowedArea(area)) requireField(f, 'sample_period', `area ${area} is measured over a window`);
  else if (area !== 'script') forbidField(f, 'sample_period', `${why}, which has no window`);
  if (area === 'code_ratio') requireField(f, 'codes', 'area code_ratio counts calls ending with these SIP codes');
  else forbidField(f, 'codes', why);
  if (area === 'event') {
    requireField(f, 'event', 'area event notifies on an event');
    for (const key of ['operator', 'threshold', 'reset_threshold']) forbidField(f, key, why);
  } else {
    forbidField(f, 'event', why);
    forbidField(f, 'filter', why);
  }
  if (area === 'script') {
    requireField(f, 'script', 'area script runs a function of the metrics');
    // A script returning a boolean needs no comparison, one returning a number needs both halves, a report neither.
    if (report) return;
    if (f.obj['operator'] != null) requireField(f, 'threshold', 'an operator compares with a threshold');
    else if (f.obj['threshold'] != null) requireField(f, 'operator', 'a threshold needs an operator');
    else forbidField(f, 'reset_threshold', 'without a threshold');
  } else {
    forbidField(f, 'script', why);
  }
}

// A report sends its area's value at every tick whatever it is: nothing to compare, hold, repeat or penalise.
function checkReportFields(f: Fields, area: string): void {
  if (area === 'event') {
    forbidField(f, 'schedule', 'for area event, which has no value to report');
    return;
  }
  const why = 'in a rule with a schedule, which reports its value at every tick whatever it is';
  for (const key of ['operator', 'threshold', 'reset_threshold', 'min_attempts', 'for', 'repeat', 'penalty']) forbidField(f, key, why);
}

function checkResetSide(f: Fields, operator: string, threshold: number, reset: number): void {
  const code = 'CW_ERR_RULE_RESET_SIDE';
  if (operator === '=' || operator === '!=') {
    f.report(['reset_threshold'], `expected no reset_threshold for operator ${operator}, got ${reset}`, { code });
  } else if ((operator === '<' || operator === '<=') && reset < threshold) {
    f.report(['reset_threshold'], `expected a value at or above the threshold ${threshold} for operator ${operator}, got ${reset}`, { code });
  } else if ((operator === '>' || operator === '>=') && reset > threshold) {
    f.report(['reset_threshold'], `expected a value at or below the threshold ${threshold} for operator ${operator}, got ${reset}`, { code });
  }
}

// Event names, filters and schedules are checked here; scripts only for their shape (they compile in the evaluator).
function checkExtras(f: Fields): void {
  const event = readString(f, 'event');
  if (event !== undefined && !isRuleEvent(event)) f.report(['event'], `expected one of ${RULE_EVENTS.join(', ')}, got ${describe(event)}`);
  readString(f, 'script');
  const filter = f.obj['filter'];
  if (filter != null && !isMapping(filter)) f.report(['filter'], `expected a mapping of event fields, got ${describe(filter)}`);
  else if (filter != null && isRuleEvent(event)) checkFilter(f, event, filter as Record<string, unknown>);
  const timezone = readString(f, 'timezone');
  const zoneOk = timezone === undefined || isTimeZone(timezone);
  if (timezone !== undefined) {
    if (!zoneOk) f.report(['timezone'], `expected an IANA time zone such as Europe/Berlin, got ${describe(timezone)}`);
    requireField(f, 'schedule', 'a timezone applies to a schedule');
  }
  const schedule = readString(f, 'schedule');
  if (schedule !== undefined) checkSchedule(f, schedule, zoneOk ? (timezone ?? DEFAULT_TIMEZONE) : DEFAULT_TIMEZONE);
}

// The evaluator runs schedules with croner, so croner judges them here too; its reason follows the usual message.
function checkSchedule(f: Fields, schedule: string, timezone: string): void {
  const fields = schedule.trim().split(/\s+/);
  const expected = 'expected a cron expression of 5 fields such as "0 8 * * *"';
  if (fields.length !== 5 && !schedule.trim().startsWith('@')) {
    f.report(['schedule'], `${expected}, got ${describe(schedule)}`);
    return;
  }
  const problem = cronProblem(schedule, timezone);
  if (problem !== null) f.report(['schedule'], `${expected}, got ${describe(schedule)} (${problem})`);
}

// A filter names fields of its event, each with a value, { not: value }, { in: [values] } or { not_in: [values] }.
function checkFilter(f: Fields, event: RuleEventName, filter: Record<string, unknown>): void {
  const fields = EVENT_FIELDS[event];
  for (const [field, condition] of Object.entries(filter)) {
    if (!fields.includes(field)) {
      f.report(['filter', field], `expected a field of ${event} (${fields.join(', ')}), got ${field}`);
    } else if (isMapping(condition)) {
      const keys = Object.keys(condition);
      const list = (condition as Record<string, unknown>)[keys[0] ?? ''];
      const ok = keys.length === 1 && (keys[0] === 'not' ? isScalar(list) : (keys[0] === 'in' || keys[0] === 'not_in') && Array.isArray(list) && list.every(isScalar));
      if (!ok) f.report(['filter', field], `expected a value, { not: value }, { in: [values] } or { not_in: [values] }, got ${describe(condition)}`);
    } else if (!isScalar(condition)) {
      f.report(['filter', field], `expected a value, { not: value }, { in: [values] } or { not_in: [values] }, got ${describe(condition)}`);
    }
  }
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function unknownField(key: string): string {
  const near = RULE_FILE_FIELDS.find((field) => editDistance(field, key) <= 2);
  return near
    ? `expected a rule field (did you mean ${near}?), got unknown field ${key}`
    : `expected one of ${RULE_FILE_FIELDS.join(', ')}, got unknown field ${key}`;
}
