import { alertEventId } from '@callwatch/rules';
import type { Account, MetricSnapshot, Notification, Rule, Window } from '@callwatch/schemas';
import { describeScope, formatAlertState, formatDeliveries, formatRuleTest, scopeMismatch, testAlert, testVerdict, type RuleTestReport } from './rule-test-report';

const rule = (over: Partial<Rule> = {}): Rule => ({
  id: 'low-asr', title: 'Low ASR', scope: { kind: 'customer', value: 'acme' }, area: 'asr', operator: '<=', threshold: 30, reset_threshold: 31,
  sample_period_ms: 900_000, min_attempts: 5, for_ms: 0, repeat_ms: 0, level: 'warning', penalty_ms: null, codes: [], notify: [], template: null, group_by: null, group_wait_ms: null, group_interval_ms: null,
  enabled: true, extra_json: null, applied_by: 'test', applied_at_ms: 0, ...over,
});
const window = (over: Partial<Window> = {}): Window => ({
  sample_period_ms: 900_000, attempts: 5, answered: 1, asr: 20, ner: null, acd: null, pdd: null, cps: null, spend: null, margin: null, sdr: null, codes: {}, ...over,
});
const snapshot = (windows: Window[]): MetricSnapshot => ({ entity: 'customer:acme', at_ms: 0, windows, channels: null, balance: null, credit: null, credit_used: null, late: 0, version: 0 });
const account = (cls: string | null): Account => ({
  entity: 'customer:acme', name: 'ACME', class: cls, status: 'active', balance: 0, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: 0,
});
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

describe('testVerdict', () => {
  it.each([
    ['fires when the condition holds', rule(), [window()], { value: 20, attempts: 5 }, 'fire', 'would fire'],
    ['is ok when it does not', rule(), [window({ asr: 40 })], { value: 40, attempts: 5 }, 'ok', 'ok (condition does not hold)'],
    ['waits for `for`', rule({ for_ms: 300_000 }), [window()], { value: 20, attempts: 5 }, 'pending', 'pending (condition holds; would fire once it has held for 5m)'],
    ['has no data below min_attempts', rule({ min_attempts: 20 }), [window()], { value: 20, attempts: 5 }, 'no_data', 'no data (5 attempts < min_attempts 20)'],
    ['has no data without calls', rule(), [], { value: null, attempts: null }, 'no_data', 'no data (no calls counted for customer:acme)'],
    ['names the windows the aggregator keeps', rule({ sample_period_ms: 1_800_000 }), [window({ sample_period_ms: 300_000 }), window({ sample_period_ms: 3_600_000 })], { value: null, attempts: null }, 'no_data', 'no data (no 30m window: the aggregator keeps 5m, 1h)'],
    ['has no data without a value', rule({ area: 'acd' }), [window({ answered: 0 })], { value: null, attempts: 5 }, 'no_data', 'no data (no acd value in the 15m window)'],
    ['has no data without a gauge', rule({ area: 'balance', sample_period_ms: null }), [], { value: null, attempts: null }, 'no_data', 'no data (no balance value for customer:acme)'],
    ['reports whatever the value, naming the next tick', rule({ area: 'balance', operator: null, threshold: null, reset_threshold: null, sample_period_ms: null, extra_json: '{"schedule":"0 8 * * *","timezone":"Europe/Berlin"}' }), [], { value: 12, attempts: null }, 'report', 'report (sent at every tick of "0 8 * * *" in Europe/Berlin, whatever the value; next 2026-01-02T07:00:00Z)'],
    ['reports without data too', rule({ area: 'balance', operator: null, threshold: null, reset_threshold: null, sample_period_ms: null, extra_json: '{"schedule":"0 2 * * *"}' }), [], { value: null, attempts: null }, 'report', 'report (sent at every tick of "0 2 * * *" in UTC, whatever the value; next 2026-01-03T02:00:00Z); no data now (no balance value for customer:acme)'],
    ['explains event rules', rule({ area: 'event', operator: null, threshold: null, reset_threshold: null, sample_period_ms: null }), [], { value: null, attempts: null }, 'no_data', 'no data (an event rule fires on events, not on metrics)'],
  ] as const)('%s', (_, r, windows, observation, outcome, decision) => {
    expect(testVerdict(r, snapshot([...windows]), observation, NOW)).toEqual({ outcome, decision });
  });
});

describe('testAlert', () => {
  it('is a fired event marked test, at now', () => {
    expect(testAlert(rule(), 'customer:acme', 20, 'n-1', NOW)).toEqual({
      event_id: alertEventId('low-asr', 'customer:acme', { kind: 'test', type: 'fired', nonce: 'n-1', atMs: NOW, value: 20 }), type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 20, threshold: 30,
      reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 900_000, at_ms: NOW, first_fired_at_ms: NOW, test: true,
    });
  });
});

describe('testAlert of a report rule', () => {
  it('is a report marked test', () => {
    const report = rule({ area: 'balance', operator: null, threshold: null, reset_threshold: null, sample_period_ms: null, extra_json: '{"schedule":"0 8 * * *"}' });
    expect(testAlert(report, 'customer:acme', 12, 'test-2', NOW)).toMatchObject({ type: 'report', value: 12, threshold: null, operator: null, test: true });
  });
});

describe('scopeMismatch', () => {
  it.each([
    [rule(), undefined, 'rule low-asr watches customer:acme, not customer:other'],
    [rule({ scope: { kind: 'all_carriers', value: null } }), undefined, 'rule low-asr watches every carrier, not customer:other'],
    [rule({ scope: { kind: 'class', value: 'gold' } }), undefined, 'rule low-asr watches accounts of class gold, not customer:other: it has no account on billing.account.v1'],
    [rule({ scope: { kind: 'class', value: 'gold' } }), account('silver'), 'rule low-asr watches accounts of class gold, not customer:other: its account has class silver'],
    [rule({ scope: { kind: 'class', value: 'gold' } }), account(null), 'rule low-asr watches accounts of class gold, not customer:other: its account has no class'],
  ])('%#', (r, acc, message) => {
    expect(scopeMismatch(r, 'customer:other', acc, 'billing.account.v1')).toBe(message);
  });

  it('describes every scope', () => {
    expect(describeScope({ kind: 'all_customers', value: null })).toBe('every customer');
    expect(describeScope({ kind: 'carrier', value: 'tel1' })).toBe('carrier:tel1');
  });
});

describe('formatAlertState', () => {
  it('shows the evaluator state, or that there is none', () => {
    expect(formatAlertState(null)).toBe('none (the evaluator holds no state for this rule and entity)');
    expect(formatAlertState({ status: 'firing', since_ms: NOW, first_fired_at_ms: NOW, last_notified_ms: NOW, value: 12.345678 }))
      .toBe('firing since 2026-01-02T03:04:05Z, first fired 2026-01-02T03:04:05Z, last value 12.3457');
    expect(formatAlertState({ status: 'ok', since_ms: NOW, first_fired_at_ms: null, last_notified_ms: null, value: null })).toBe('ok since 2026-01-02T03:04:05Z');
    expect(formatAlertState({ status: 'pending', since_ms: NOW, first_fired_at_ms: null, last_notified_ms: null, value: 20 }, NOW + 180_000))
      .toBe('pending since 2026-01-02T03:04:05Z, last value 20; fires at 2026-01-02T03:07:05Z unless a snapshot changes it');
    expect(formatAlertState({ status: 'firing', since_ms: NOW, first_fired_at_ms: NOW, last_notified_ms: NOW, value: 20, no_data: true }))
      .toBe('firing since 2026-01-02T03:04:05Z, first fired 2026-01-02T03:04:05Z, last value 20, no data at the last snapshot');
  });
});

describe('formatRuleTest', () => {
  const report: RuleTestReport = {
    rule: { id: 'low-asr', title: 'Low ASR', enabled: false }, entity: 'customer:acme', area: 'asr', samplePeriodMs: 900_000, value: 20, attempts: 5,
    minAttempts: 5, operator: '<=', threshold: 30, resetThreshold: null, outcome: 'fire', decision: 'would fire', liveState: null, nextDeadlineMs: null,
    alert: { ...testAlert(rule(), 'customer:acme', 20, 'n-1', NOW), event_id: 'test-1' },
    messages: [
      { channel: 'email', recipient: 'noc@example.net', subject: '[TEST] S', text: '[TEST] line 1\n\nline 2\n', sms: '[TEST] M' },
      { channel: 'sms', recipient: '+15551234567', subject: '[TEST] S', text: '[TEST] T', sms: '[TEST] M' },
    ],
    notifications: [],
  };

  it('shows the evaluation, then what each recipient gets', () => {
    expect(formatRuleTest(report)).toBe([
      'rule             low-asr (Low ASR) [disabled]',
      'entity           customer:acme',
      'area             asr',
      'sample period    15m',
      'value            20',
      'attempts         5 (min_attempts 5)',
      'operator         <=',
      'threshold        30',
      'reset_threshold  -',
      'decision         would fire',
      'live state       none (the evaluator holds no state for this rule and entity)',
      '',
      'TEST notification test-1: 2 recipient(s)',
      '  email noc@example.net',
      '    subject: [TEST] S',
      '    text:',
      '      [TEST] line 1',
      '',
      '      line 2',
      '  sms +15551234567',
      '    sms: [TEST] M',
      '',
    ].join('\n'));
  });

  it('adds the HTML when asked, and says when nobody is notified', () => {
    expect(formatRuleTest({ ...report, messages: [{ ...(report.messages[0] as RuleTestReport['messages'][0]), html: '<p>x</p>' }] })).toContain('    html:\n      <p>x</p>\n');
    expect(formatRuleTest({ ...report, messages: [] })).toContain('  none: the rule notifies nobody about customer:acme\n');
  });
});

describe('formatDeliveries', () => {
  const record = (over: Partial<Notification>): Notification => ({
    notification_id: 'n', alert_event_id: 'test-1', rule_id: 'low-asr', entity: 'customer:acme', channel: 'email', recipient: 'noc@example.net',
    status: 'sent', attempt: 1, error: null, message_id: 'm-1', at_ms: NOW, ...over,
  });

  it('shows the last attempt per recipient', () => {
    const records = [
      record({}),
      record({ channel: 'sms', recipient: '+1555', status: 'retrying', error: 'CW_ERR_DELIVERY: throttled', message_id: null }),
      record({ channel: 'sms', recipient: '+1555', status: 'failed', attempt: 2, error: 'CW_ERR_DELIVERY: throttled', message_id: null }),
    ];
    expect(formatDeliveries(records, 'callwatch.notification.v1')).toBe([
      '  sent email noc@example.net (m-1)',
      '  failed sms +1555 after 2 attempt(s): CW_ERR_DELIVERY: throttled',
      '3 delivery record(s) published to callwatch.notification.v1',
      '',
    ].join('\n'));
  });
});
