import { Cron } from 'croner';
import type { Rule } from '@callwatch/schemas';

/** Schedule is when a report rule sends its report: a 5-field cron expression read in an IANA time zone. */
export interface Schedule {
  cron: string;
  timezone: string;
}

/** DEFAULT_TIMEZONE is the time zone of a schedule that names none. */
export const DEFAULT_TIMEZONE = 'UTC';

/** ReportTicks is what one check of a report rule decides: the ticks to send now, and the missed ticks too old to send. */
export interface ReportTicks {
  due: number[];
  skipped: number[];
}

/** DueInput is what the scheduler knows when it checks one report rule; every time is epoch milliseconds. */
export interface DueInput {
  now: number;
  /** how late a tick may still be sent */
  catchupMs: number;
  /** when the rule was last applied, enabled or changed: ticks before it belong to an older rule */
  appliedAtMs: number;
  /** when any scheduler last finished a check; null when none ever did (with this Redis) */
  checkedAtMs: number | null;
  /** every tick up to this one is known to be sent (by this scheduler or another); null when none is known */
  settledMs: number | null;
}

// Enough for a per-minute schedule with a week of catch-up; a longer list would only be a burst of stale reports.
const MAX_TICKS = 10_080;
const CACHE_LIMIT = 1_000;
const crons = new Map<string, Cron>();
const schedules = new WeakMap<Rule, Schedule | null>();

function cronOf(schedule: Schedule): Cron {
  const key = `${schedule.timezone}\u0000${schedule.cron}`;
  let cron = crons.get(key);
  if (!cron) {
    // No callback: the instance only computes run times, it never starts a timer.
    cron = new Cron(schedule.cron, { timezone: schedule.timezone, mode: '5-part' });
    if (crons.size >= CACHE_LIMIT) crons.delete(crons.keys().next().value as string);
    crons.set(key, cron);
  }
  return cron;
}

/**
 * cronProblem checks a cron expression the way the scheduler reads it (croner, 5 fields or a nickname such as
 * @daily, in the time zone): the reason it is unusable, or null when it is fine. A valid expression that never
 * matches a date (`0 8 31 2 *`) is a problem too.
 */
export function cronProblem(cron: string, timezone: string = DEFAULT_TIMEZONE): string | null {
  try {
    return cronOf({ cron, timezone }).nextRun(new Date(0)) === null ? 'it matches no date' : null;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^Cron\w*:\s*/, '');
  }
}

/** ruleSchedule reads a rule's schedule from its extra_json; null for a rule without one, which is not a report. */
export function ruleSchedule(rule: Rule): Schedule | null {
  if (rule.extra_json === null) return null;
  let schedule = schedules.get(rule);
  if (schedule === undefined) {
    schedule = null;
    try {
      const extra = JSON.parse(rule.extra_json) as { schedule?: unknown; timezone?: unknown } | null;
      if (typeof extra?.schedule === 'string') {
        schedule = { cron: extra.schedule, timezone: typeof extra.timezone === 'string' ? extra.timezone : DEFAULT_TIMEZONE };
      }
    } catch {
      // Rule files are checked on load; an unreadable extra_json simply carries no schedule.
    }
    schedules.set(rule, schedule);
  }
  return schedule;
}

/** isReportRule tells whether a rule is a report (it has a schedule), which the evaluator never judges on snapshots. */
export function isReportRule(rule: Rule): boolean {
  return rule.extra_json !== null && ruleSchedule(rule) !== null;
}

/**
 * scheduleTicks lists the ticks of a schedule after `fromMs` (exclusive) up to `toMs` (inclusive), oldest first,
 * at most `limit` of them. Ticks fall on whole local minutes of the time zone; across a DST change croner's rules
 * apply: a fixed local time that does not exist (02:30 on the spring-forward day in Europe/Berlin) runs once when
 * the clock jumps (03:00), one that occurs twice (fall back) runs once, at its first occurrence, and a stepped
 * schedule (`*\/30 * * * *`) skips the missing times and runs at both occurrences of the repeated ones.
 */
export function scheduleTicks(schedule: Schedule, fromMs: number, toMs: number, limit = MAX_TICKS): number[] {
  const cron = cronOf(schedule);
  const ticks: number[] = [];
  let next = cron.nextRun(new Date(fromMs));
  while (next !== null && next.getTime() <= toMs && ticks.length < limit) {
    ticks.push(next.getTime());
    next = cron.nextRun(next);
  }
  return ticks;
}

/**
 * reportTicks decides, at `now`, which ticks of a report rule to send: every tick after the rule was applied that
 * is at most `catchupMs` old and not yet known to be sent is due (whoever claims one first sends it). Ticks older
 * than that and newer than the last check were missed while no evaluator ran: they are skipped.
 */
export function reportTicks(schedule: Schedule, input: DueInput): ReportTicks {
  const { now, catchupMs, appliedAtMs, checkedAtMs, settledMs } = input;
  const oldestDue = now - catchupMs;
  const known = Math.max(appliedAtMs, settledMs ?? -Infinity);
  return {
    due: scheduleTicks(schedule, Math.max(known, oldestDue - 1), now),
    skipped: scheduleTicks(schedule, Math.max(known, checkedAtMs ?? -Infinity), oldestDue - 1),
  };
}
