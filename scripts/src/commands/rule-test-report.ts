import { formatDuration } from '@callwatch/core';
import { isoUtc, type RecipientChannel } from '@callwatch/notify';
import {
  alertEvent, alertRuleFields, decide, isReportRule, isWindowedArea, ruleSchedule, scheduleTicks, type AlertState, type Observation,
} from '@callwatch/rules';
import type { Account, AlertEvent, MetricSnapshot, Notification, Rule, RuleScope } from '@callwatch/schemas';

/**
 * TestOutcome is what a fresh evaluation decides: fire now, fire once `for` has passed, stay ok, or hold without data;
 * a report rule reports, whatever the value.
 */
export type TestOutcome = 'fire' | 'pending' | 'ok' | 'no_data' | 'report';

const YEAR_MS = 366 * 86_400_000;

/** TestVerdict is a TestOutcome with the sentence that explains it. */
export interface TestVerdict {
  outcome: TestOutcome;
  decision: string;
}

/** TestMessage is what one recipient gets from a test: the rendered parts its channel sends. */
export interface TestMessage {
  channel: RecipientChannel;
  recipient: string;
  subject: string;
  text: string;
  sms: string;
  /** only when asked for (`--html`) */
  html?: string;
}

/** RuleTestReport is everything `callwatch rules test` shows, and prints as one JSON object with `--json`. */
export interface RuleTestReport extends TestVerdict {
  rule: { id: string; title: string; enabled: boolean };
  entity: string;
  area: string;
  samplePeriodMs: number | null;
  value: number | null;
  attempts: number | null;
  minAttempts: number;
  operator: string | null;
  threshold: number | null;
  resetThreshold: number | null;
  /** the evaluator's current state for this rule and entity, as Redis holds it; null when it has none */
  liveState: AlertState | null;
  /** when the live state's next time-only transition falls due (the end of `for`, the next repeat); null when none */
  nextDeadlineMs: number | null;
  /** the TEST alert event the messages were rendered from (never published to the alert topic) */
  alert: AlertEvent;
  messages: TestMessage[];
  /** one record per delivery attempt, as published to the notification topic; empty unless sent */
  notifications: Notification[];
}

/**
 * testVerdict is what the evaluator would decide on this observation with no prior state for the rule and entity
 * (decide() at `now`), with the reason when it has no data.
 */
export function testVerdict(rule: Rule, snapshot: MetricSnapshot, observation: Observation, now: number): TestVerdict {
  const schedule = ruleSchedule(rule);
  if (schedule) {
    const next = scheduleTicks(schedule, now, now + YEAR_MS, 1)[0];
    const noData = observation.value === null ? `; no data now (${noDataReason(rule, snapshot, observation)})` : '';
    return { outcome: 'report', decision: `report (sent at every tick of "${schedule.cron}" in ${schedule.timezone}, whatever the value${next === undefined ? '' : `; next ${isoUtc(next)}`})${noData}` };
  }
  const { state } = decide(rule, undefined, observation, now);
  // decide leaves the value unset only when it held the state for lack of data.
  if (state.value === null) return { outcome: 'no_data', decision: `no data (${noDataReason(rule, snapshot, observation)})` };
  if (state.status === 'firing') return { outcome: 'fire', decision: 'would fire' };
  if (state.status === 'pending') return { outcome: 'pending', decision: `pending (condition holds; would fire once it has held for ${formatDuration(rule.for_ms)})` };
  return { outcome: 'ok', decision: 'ok (condition does not hold)' };
}

function noDataReason(rule: Rule, snapshot: MetricSnapshot, observation: Observation): string {
  if (observation.error) return `script failed: ${observation.error.code}: ${observation.error.message}`;
  if (rule.area === 'event') return 'an event rule fires on events, not on metrics';
  if (rule.sample_period_ms !== null && (isWindowedArea(rule.area) || rule.area === 'script')) {
    const period = formatDuration(rule.sample_period_ms);
    const window = snapshot.windows.find((w) => w.sample_period_ms === rule.sample_period_ms);
    if (!window && snapshot.windows.length === 0) return `no calls counted for ${snapshot.entity}`;
    if (!window) return `no ${period} window: the aggregator keeps ${snapshot.windows.map((w) => formatDuration(w.sample_period_ms)).join(', ')}`;
    if (window.attempts < rule.min_attempts) return `${window.attempts} attempts < min_attempts ${rule.min_attempts}`;
    if (rule.area !== 'script') return `no ${rule.area} value in the ${period} window`;
  }
  return rule.area === 'script' ? 'the script returned no value' : `no ${rule.area} value for ${snapshot.entity}`;
}

/** testAlert is the alert event a test renders: `fired` (`report` for a report rule), marked test, at `now`, with the live value (null without data). */
export function testAlert(rule: Rule, entity: string, value: number | null, nonce: string, now: number): AlertEvent {
  return alertEvent(rule.id, alertRuleFields(rule), entity, { kind: 'test', type: isReportRule(rule) ? 'report' : 'fired', nonce, atMs: now, value });
}

/** describeScope names what a rule's scope covers, in the words of a rule file. */
export function describeScope(scope: RuleScope): string {
  switch (scope.kind) {
    case 'customer':
    case 'carrier':
      return `${scope.kind}:${scope.value ?? ''}`;
    case 'class': return `accounts of class ${scope.value ?? ''}`;
    case 'all_customers': return 'every customer';
    case 'all_carriers': return 'every carrier';
  }
}

/**
 * scopeMismatch says why a rule's scope does not cover an entity that ruleApplies rejected; a class scope is
 * judged by the entity's account on `accountTopic`.
 */
export function scopeMismatch(rule: Rule, entity: string, account: Account | undefined, accountTopic: string): string {
  const base = `rule ${rule.id} watches ${describeScope(rule.scope)}, not ${entity}`;
  if (rule.scope.kind !== 'class') return base;
  if (!account) return `${base}: it has no account on ${accountTopic}`;
  return `${base}: its account has ${account.class === null ? 'no class' : `class ${account.class}`}`;
}

/** formatAlertState describes the evaluator's state of one rule for one entity, and its next deadline. */
export function formatAlertState(state: AlertState | null, nextDeadlineMs: number | null = null): string {
  if (!state) return 'none (the evaluator holds no state for this rule and entity)';
  const fired = state.status === 'firing' && state.first_fired_at_ms !== null ? `, first fired ${isoUtc(state.first_fired_at_ms)}` : '';
  const value = state.value === null ? '' : `, last value ${formatNumber(state.value)}`;
  const noData = state.no_data ? ', no data at the last snapshot' : '';
  const next = nextDeadlineMs === null ? '' : `; ${state.status === 'pending' ? 'fires' : 'repeats'} at ${isoUtc(nextDeadlineMs)} unless a snapshot changes it`;
  return `${state.status} since ${isoUtc(state.since_ms)}${fired}${value}${noData}${next}`;
}

function formatNumber(value: number | null): string {
  return value === null ? '-' : String(Number(value.toFixed(4)));
}

function indent(text: string): string[] {
  return text.replace(/\n+$/, '').split('\n').map((line) => `      ${line}`.trimEnd());
}

// Each channel sends different parts: email the subject, text and html; SMS its one line; a webhook the subject and text.
function formatMessage(message: TestMessage): string[] {
  const lines = [`  ${message.channel} ${message.recipient}`];
  if (message.channel === 'sms') return [...lines, `    sms: ${message.sms}`];
  lines.push(`    subject: ${message.subject}`, '    text:', ...indent(message.text));
  if (message.html !== undefined) lines.push('    html:', ...indent(message.html));
  return lines;
}

/** formatRuleTest renders a report for people: the evaluation, the live state, and each recipient's message. */
export function formatRuleTest(report: RuleTestReport): string {
  const rows: Array<[string, string]> = [
    ['rule', `${report.rule.id} (${report.rule.title})${report.rule.enabled ? '' : ' [disabled]'}`],
    ['entity', report.entity],
    ['area', report.area],
    ['sample period', report.samplePeriodMs === null ? '-' : formatDuration(report.samplePeriodMs)],
    ['value', formatNumber(report.value)],
    ['attempts', `${report.attempts ?? '-'} (min_attempts ${report.minAttempts})`],
    ['operator', report.operator ?? '-'],
    ['threshold', formatNumber(report.threshold)],
    ['reset_threshold', formatNumber(report.resetThreshold)],
    ['decision', report.decision],
    ['live state', formatAlertState(report.liveState, report.nextDeadlineMs)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  lines.push('', `TEST notification ${report.alert.event_id}: ${report.messages.length} recipient(s)`);
  if (report.messages.length === 0) lines.push(`  none: the rule notifies nobody about ${report.entity}`);
  for (const message of report.messages) lines.push(...formatMessage(message));
  return `${lines.join('\n')}\n`;
}

/** formatDeliveries summarises what `--send` did: the last attempt per recipient and where the records went. */
export function formatDeliveries(records: Notification[], notificationTopic: string): string {
  const last = new Map<string, Notification>();
  for (const record of records) last.set(`${record.channel}\u0000${record.recipient}`, record);
  const lines = [...last.values()].map((n) =>
    n.status === 'sent'
      ? `  sent ${n.channel} ${n.recipient} (${n.message_id ?? 'no message id'})`
      : `  ${n.status} ${n.channel} ${n.recipient} after ${n.attempt} attempt(s): ${n.error ?? 'unknown error'}`,
  );
  return [...lines, `${records.length} delivery record(s) published to ${notificationTopic}`, ''].join('\n');
}
