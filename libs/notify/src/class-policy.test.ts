import type { AlertEvent, AlertEventType, ClassNotification, CustomerClass } from '@callwatch/schemas';
import { skippedNotification } from './notification-record';
import { classDecision, type ClassDecision, type ClassDecisionInput, type RecipientKind } from './class-policy';

const on = (kind: ClassNotification['kind'], match: string): ClassNotification => ({ kind, match, enabled: true });
const off = (kind: ClassNotification['kind'], match: string): ClassNotification => ({ kind, match, enabled: false });

function gold(over: Partial<CustomerClass> = {}): CustomerClass {
  return {
    name: 'gold',
    description: null,
    template_set: {
      name: 'gold-2026',
      templates: { balance: 'gold-low-balance', 'asr.reset': 'gold-asr-ok', asr: 'gold-asr', report: 'gold-report', 'balance.report': 'gold-balance-report', penalty_applied: 'gold-penalty', event: 'gold-event' },
    },
    notifications: [],
    rule_recipients: false,
    applied_by: 'alice',
    applied_at_ms: 0,
    ...over,
  };
}

// Alerts by their rule: a threshold rule of an area, a report of one, or an event rule on an event.
type Case = { rule_id: string; area: string; type: AlertEventType; event?: string };
const lowBalance: Case = { rule_id: 'low-balance-warning', area: 'balance', type: 'fired' };
const lowAsr: Case = { rule_id: 'low-asr', area: 'asr', type: 'fired' };
const lowAsrReset: Case = { ...lowAsr, type: 'reset' };
const dailyBalance: Case = { rule_id: 'daily-balance', area: 'balance', type: 'report' };
const dailyAsr: Case = { rule_id: 'daily-asr', area: 'asr', type: 'report' };
const penalty: Case = { rule_id: 'penalty-notice', area: 'event', type: 'fired', event: 'penalty_applied' };
const payment: Case = { rule_id: 'payment-thanks', area: 'event', type: 'fired', event: 'payment_completed' };
const highPdd: Case = { rule_id: 'high-pdd', area: 'pdd', type: 'repeated' };

function decide(cls: CustomerClass, c: Case, recipientKind: RecipientKind = 'contact'): ClassDecision {
  const input: ClassDecisionInput = {
    cls,
    alert: { rule_id: c.rule_id, area: c.area, type: c.type },
    rule: { area: c.area === 'event' ? 'event' : c.area, extra_json: c.event ? JSON.stringify({ event: c.event }) : null },
    recipientKind,
  };
  return classDecision(input);
}

describe('classDecision', () => {
  it.each<[string, CustomerClass, Case, RecipientKind, ClassDecision]>([
    // Unassigning the set turns every notification of the customer's contacts off, whatever the entries say.
    ['no set: contacts get nothing', gold({ template_set: null, notifications: [on('rule', 'low-asr')] }), lowAsr, 'contact', { send: false, reason: 'class gold: no template set assigned' }],
    ['no set: the rule\'s own recipients are not the class\'s', gold({ template_set: null }), lowAsr, 'rule', { send: true }],
    ['no set, rule_recipients: entries still govern them', gold({ template_set: null, rule_recipients: true, notifications: [off('area', 'asr')] }), lowAsr, 'rule', { send: false, reason: 'class gold: area asr off' }],
    ['no set, rule_recipients: unnamed is on', gold({ template_set: null, rule_recipients: true }), lowAsr, 'rule', { send: true }],

    // Nothing names it: on, so a new rule is never swallowed; the set's template for area and type.
    ['unnamed: on, with the area.type template', gold(), lowAsrReset, 'contact', { send: true, templateId: 'gold-asr-ok' }],
    ['unnamed: on, with the area template', gold(), lowAsr, 'contact', { send: true, templateId: 'gold-asr' }],
    ['unnamed: on, no template in the set (the rule\'s, else stock)', gold(), highPdd, 'contact', { send: true }],

    // Each kind of entry on its own.
    ['rule id off', gold({ notifications: [off('rule', 'low-asr')] }), lowAsr, 'contact', { send: false, reason: 'class gold: rule low-asr off' }],
    ['rule glob off', gold({ notifications: [off('rule', 'low-balance-*')] }), lowBalance, 'contact', { send: false, reason: 'class gold: rule low-balance-* off' }],
    ['rule glob that does not match', gold({ notifications: [off('rule', 'low-balance-*')] }), lowAsr, 'contact', { send: true, templateId: 'gold-asr' }],
    ['area off', gold({ notifications: [off('area', 'asr')] }), lowAsrReset, 'contact', { send: false, reason: 'class gold: area asr off' }],
    ['event off', gold({ notifications: [off('event', 'penalty_applied')] }), penalty, 'contact', { send: false, reason: 'class gold: event penalty_applied off' }],
    ['event entry leaves other events alone', gold({ notifications: [off('event', 'penalty_applied')] }), payment, 'contact', { send: true, templateId: 'gold-event' }],
    ['area event covers every event', gold({ notifications: [off('area', 'event')] }), payment, 'contact', { send: false, reason: 'class gold: area event off' }],
    ['reports off', gold({ notifications: [off('report', '*')] }), dailyBalance, 'contact', { send: false, reason: 'class gold: report * off' }],
    ['reports entry leaves alerts alone', gold({ notifications: [off('report', '*')] }), lowBalance, 'contact', { send: true, templateId: 'gold-low-balance' }],
    ['an area entry does not name its reports', gold({ notifications: [off('area', 'balance')] }), dailyBalance, 'contact', { send: true, templateId: 'gold-balance-report' }],

    // The most specific entry wins, whatever the order: rule id > rule glob > event > area > report.
    ['rule id beats rule glob', gold({ notifications: [on('rule', 'low-balance-warning'), off('rule', 'low-balance-*')] }), lowBalance, 'contact', { send: true, templateId: 'gold-low-balance' }],
    ['rule glob beats area', gold({ notifications: [on('rule', 'low-*'), off('area', 'asr')] }), lowAsr, 'contact', { send: true, templateId: 'gold-asr' }],
    ['rule glob beats event', gold({ notifications: [off('rule', 'penalty-*'), on('event', 'penalty_applied')] }), penalty, 'contact', { send: false, reason: 'class gold: rule penalty-* off' }],
    ['event beats area event', gold({ notifications: [on('event', 'penalty_applied'), off('area', 'event')] }), penalty, 'contact', { send: true, templateId: 'gold-penalty' }],
    ['rule id beats reports', gold({ notifications: [off('report', '*'), on('rule', 'daily-asr')] }), dailyAsr, 'contact', { send: true, templateId: 'gold-report' }],
    // Among equals, the later entry wins.
    ['later of two matching globs wins (off)', gold({ notifications: [on('rule', 'low-*'), off('rule', '*-warning')] }), lowBalance, 'contact', { send: false, reason: 'class gold: rule *-warning off' }],
    ['later of two matching globs wins (on)', gold({ notifications: [off('rule', '*-warning'), on('rule', 'low-*')] }), lowBalance, 'contact', { send: true, templateId: 'gold-low-balance' }],

    // A rule's own recipients (the NOC): untouched by default; with rule_recipients, switched but never re-templated.
    ['rule recipients ignore the entries by default', gold({ notifications: [off('area', 'asr')] }), lowAsr, 'rule', { send: true }],
    ['rule_recipients: off for them too', gold({ rule_recipients: true, notifications: [off('area', 'asr')] }), lowAsr, 'rule', { send: false, reason: 'class gold: area asr off' }],
    ['rule_recipients: on keeps the rule\'s template', gold({ rule_recipients: true, notifications: [on('area', 'asr')] }), lowAsr, 'rule', { send: true }],

    // Template keys, most specific first.
    ['event.type before event', gold({ template_set: { name: 's', templates: { penalty_applied: 'a', 'penalty_applied.fired': 'b' } } }), penalty, 'contact', { send: true, templateId: 'b' }],
    ['event area template for an event with none of its own', gold({ template_set: { name: 's', templates: { 'event.fired': 'e' } } }), penalty, 'contact', { send: true, templateId: 'e' }],
    ['report without area.report', gold({ template_set: { name: 's', templates: { report: 'r', asr: 'a' } } }), dailyAsr, 'contact', { send: true, templateId: 'r' }],
    ['an area template is not a report template', gold({ template_set: { name: 's', templates: { asr: 'a' } } }), dailyAsr, 'contact', { send: true }],
    ['an empty set: on, no template', gold({ template_set: { name: 's', templates: {} } }), lowAsr, 'contact', { send: true }],
  ])('%s', (_name, cls, alert, kind, expected) => {
    expect(decide(cls, alert, kind)).toEqual(expected);
  });
});

describe('skippedNotification', () => {
  it('records a skipped attempt 0 with the class\'s reason', () => {
    const alert = { event_id: 'e1', rule_id: 'low-asr', entity: 'customer:acme' } as AlertEvent;
    expect(skippedNotification(alert, 'email', 'a@b.example', 'class gold: area asr off', 5)).toMatchObject({
      alert_event_id: 'e1', rule_id: 'low-asr', entity: 'customer:acme', channel: 'email', recipient: 'a@b.example', status: 'skipped', attempt: 0, error: 'class gold: area asr off', at_ms: 5,
    });
  });
});
