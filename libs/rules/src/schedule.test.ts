import { cronProblem, isReportRule, reportTicks, ruleSchedule, scheduleTicks, type DueInput, type Schedule } from './schedule';
import { makeRule } from './testing';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const berlin = (cron: string): Schedule => ({ cron, timezone: 'Europe/Berlin' });
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('scheduleTicks', () => {
  it.each<[string, Schedule, string, string, string[]]>([
    ['daily 08:00 UTC', { cron: '0 8 * * *', timezone: 'UTC' }, '2026-03-01T00:00:00Z', '2026-03-03T12:00:00Z', ['2026-03-01T08:00:00Z', '2026-03-02T08:00:00Z', '2026-03-03T08:00:00Z']],
    // Berlin moves from CET (UTC+1) to CEST (UTC+2) at 02:00 on 29 March 2026: 08:00 local is 07:00Z, then 06:00Z.
    ['08:00 Berlin on both sides of spring forward', berlin('0 8 * * *'), '2026-03-28T00:00:00Z', '2026-03-30T23:59:00Z', ['2026-03-28T07:00:00Z', '2026-03-29T06:00:00Z', '2026-03-30T06:00:00Z']],
    // 02:30 does not exist on the spring-forward day: it runs once, when the clock jumps to 03:00 CEST.
    ['02:30 Berlin on the spring-forward day', berlin('30 2 * * *'), '2026-03-28T00:00:00Z', '2026-03-30T23:59:00Z', ['2026-03-28T01:30:00Z', '2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z']],
    // 02:30 occurs twice on 25 October 2026 (CEST, then CET): it runs once, at the first.
    ['02:30 Berlin on the fall-back day', berlin('30 2 * * *'), '2026-10-24T00:00:00Z', '2026-10-26T23:59:00Z', ['2026-10-24T00:30:00Z', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z']],
    ['08:00 Berlin on both sides of fall back', berlin('0 8 * * *'), '2026-10-24T00:00:00Z', '2026-10-25T23:59:00Z', ['2026-10-24T06:00:00Z', '2026-10-25T07:00:00Z']],
    ['every 30 minutes skips the hour that does not exist', berlin('*/30 * * * *'), '2026-03-29T00:10:00Z', '2026-03-29T01:40:00Z', ['2026-03-29T00:30:00Z', '2026-03-29T01:00:00Z', '2026-03-29T01:30:00Z']],
    ['every 30 minutes runs in both passes of the repeated hour', berlin('*/30 * * * *'), '2026-10-25T00:10:00Z', '2026-10-25T01:40:00Z', ['2026-10-25T00:30:00Z', '2026-10-25T01:00:00Z', '2026-10-25T01:30:00Z']],
    ['weekdays only', { cron: '0 9 * * MON-FRI', timezone: 'UTC' }, '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z', ['2026-03-27T09:00:00Z', '2026-03-30T09:00:00Z']],
    ['a nickname', { cron: '@daily', timezone: 'UTC' }, '2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z', ['2026-03-02T00:00:00Z']],
    ['from is exclusive, to inclusive', { cron: '0 8 * * *', timezone: 'UTC' }, '2026-03-01T08:00:00Z', '2026-03-02T08:00:00Z', ['2026-03-02T08:00:00Z']],
    ['from a moment past a tick', { cron: '0 8 * * *', timezone: 'UTC' }, '2026-03-01T08:00:00.500Z', '2026-03-02T07:59:59Z', []],
    ['from a moment before a tick', { cron: '0 8 * * *', timezone: 'UTC' }, '2026-03-01T07:59:59.500Z', '2026-03-01T08:00:00Z', ['2026-03-01T08:00:00Z']],
  ])('%s', (_name, schedule, from, to, ticks) => {
    expect(scheduleTicks(schedule, at(from), at(to)).map(iso)).toEqual(ticks);
  });

  it('stops at the limit', () => {
    expect(scheduleTicks({ cron: '* * * * *', timezone: 'UTC' }, 0, HOUR, 5)).toEqual([1, 2, 3, 4, 5].map((m) => m * MIN));
  });
});

describe('cronProblem', () => {
  it.each<[string, string, string | null]>([
    ['0 8 * * *', 'Europe/Berlin', null],
    ['*/15 8-18 * * MON-FRI', 'UTC', null],
    ['61 8 * * *', 'UTC', 'Invalid value for minute: 61'],
    ['*/0 * * * *', 'UTC', 'Syntax error, illegal stepping: 0'],
    ['0 8 31 2 *', 'UTC', 'it matches no date'],
  ])('%s in %s', (cron, timezone, problem) => {
    expect(cronProblem(cron, timezone)).toBe(problem);
  });
});

describe('ruleSchedule', () => {
  it.each<[string, string | null, Schedule | null]>([
    ['no extra fields', null, null],
    ['a script rule', JSON.stringify({ script: 'return 1' }), null],
    ['a schedule in UTC by default', JSON.stringify({ schedule: '0 8 * * *' }), { cron: '0 8 * * *', timezone: 'UTC' }],
    ['a schedule with a time zone', JSON.stringify({ schedule: '0 8 * * *', timezone: 'Europe/Berlin' }), berlin('0 8 * * *')],
    ['unreadable extra_json', '{', null],
  ])('%s', (_name, extra, schedule) => {
    const rule = makeRule({ extra_json: extra });
    expect(ruleSchedule(rule)).toEqual(schedule);
    expect(isReportRule(rule)).toBe(schedule !== null);
  });
});

describe('reportTicks', () => {
  const daily = berlin('0 8 * * *');
  const tick = at('2026-03-29T06:00:00Z'); // 08:00 in Berlin, the day clocks go forward
  const input = (over: Partial<DueInput>): DueInput => ({
    now: tick + 5_000, catchupMs: HOUR, appliedAtMs: at('2026-03-01T00:00:00Z'), checkedAtMs: tick - 10_000, settledMs: null, ...over,
  });

  it.each<[string, Partial<DueInput>, string[], string[]]>([
    ['a tick that just passed is due', {}, ['2026-03-29T06:00:00Z'], []],
    ['nothing before the tick', { now: tick - 1 }, [], []],
    ['a tick exactly at now is due', { now: tick }, ['2026-03-29T06:00:00Z'], []],
    ['a tick known to be sent is not due again', { settledMs: tick }, [], []],
    ['a tick before the rule was applied is not due', { appliedAtMs: tick + 1_000 }, [], []],
    ['a tick missed by a restart within the catch-up is sent late', { now: tick + 59 * MIN, checkedAtMs: tick - 10 * MIN }, ['2026-03-29T06:00:00Z'], []],
    ['a tick exactly as old as the catch-up is still sent', { now: tick + HOUR, checkedAtMs: tick - 10 * MIN }, ['2026-03-29T06:00:00Z'], []],
    ['a tick older than the catch-up is skipped', { now: tick + HOUR + 1_000, checkedAtMs: tick - 10 * MIN }, [], ['2026-03-29T06:00:00Z']],
    ['days of downtime skip every missed tick and send the recent one', { now: tick + 30 * MIN, checkedAtMs: tick - 3 * 24 * HOUR }, ['2026-03-29T06:00:00Z'], ['2026-03-26T07:00:00Z', '2026-03-27T07:00:00Z', '2026-03-28T07:00:00Z']],
    ['a tick before the last check is not reported as skipped', { now: tick + 2 * HOUR, checkedAtMs: tick + HOUR }, [], []],
    ['with no check ever, ticks since the rule was applied are skipped', { now: tick + 2 * HOUR, checkedAtMs: null, appliedAtMs: at('2026-03-27T12:00:00Z') }, [], ['2026-03-28T07:00:00Z', '2026-03-29T06:00:00Z']],
  ])('%s', (_name, over, due, skipped) => {
    const ticks = reportTicks(daily, input(over));
    expect({ due: ticks.due.map(iso), skipped: ticks.skipped.map(iso) }).toEqual({ due, skipped });
  });
});
