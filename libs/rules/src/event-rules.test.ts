import { eventAlerts, filterMatches, type RuleEvent } from './event-rules';
import { formatRuleError, validateRuleFiles } from './rule-file';
import { makeRule } from './testing';

const payment = (source: string, amount = 50): RuleEvent => ({
  name: 'payment_completed', entity: 'customer:acme', id: `p-${source}-${amount}`, at_ms: 1_000, value: amount,
  fields: { payment_id: `p-${source}`, customer_id: 'acme', amount, source },
});

describe('filterMatches', () => {
  it.each<[Record<string, unknown>, boolean]>([
    [{}, true],
    [{ source: 'gateway' }, true],
    [{ source: 'portal' }, false],
    [{ source: { not: 'portal' } }, true],
    [{ source: { not: 'gateway' } }, false],
    [{ source: { in: ['admin', 'gateway'] } }, true],
    [{ source: { not_in: ['admin', 'gateway'] } }, false],
    [{ source: 'gateway', amount: 50 }, true],
    [{ source: 'gateway', amount: 51 }, false],
    [{ missing: null }, true],
    [{ source: { bogus: 1 } }, false],
  ])('%j → %s', (filter, expected) => {
    expect(filterMatches(filter, payment('gateway').fields)).toBe(expected);
  });
});

describe('eventAlerts', () => {
  const notPortal = makeRule({
    id: 'paid', title: 'Payment received', area: 'event', operator: null, threshold: null, sample_period_ms: null, level: 'info',
    extra_json: JSON.stringify({ event: 'payment_completed', filter: { source: { not: 'portal' } } }),
  });
  const statusRule = makeRule({ id: 'status', area: 'event', operator: null, threshold: null, sample_period_ms: null, extra_json: JSON.stringify({ event: 'account_status_changed' }) });

  it('fires the matching event rules only, with the event value and time, and the same id for the same event', () => {
    const [alert, ...rest] = eventAlerts([notPortal, statusRule, makeRule()], payment('gateway'));
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ type: 'fired', rule_id: 'paid', entity: 'customer:acme', area: 'event', value: 50, at_ms: 1_000, first_fired_at_ms: 1_000, level: 'info', operator: null });
    expect(eventAlerts([notPortal], payment('gateway'))[0]?.event_id).toBe(alert?.event_id);
    expect(eventAlerts([notPortal], payment('gateway', 60))[0]?.event_id).not.toBe(alert?.event_id);
    expect(eventAlerts([notPortal], payment('portal'))).toEqual([]);
    expect(eventAlerts([{ ...notPortal, enabled: false }], payment('gateway'))).toEqual([]);
  });
});

describe('event rule validation', () => {
  const rule = (...extra: string[]) => ['id: paid', 'title: Paid', 'scope: { all: customers }', 'area: event', 'level: info', ...extra].join('\n') + '\n';
  const errors = (text: string) => validateRuleFiles([{ path: 'e.yaml', text }], { knownTemplates: new Set(), appliedBy: 'a', now: 0 }).errors.map(formatRuleError);

  it('accepts known events and well-formed filters', () => {
    expect(errors(rule('event: payment_completed', 'filter: { source: { not: portal }, amount: { in: [10, 20] } }'))).toEqual([]);
  });

  it('reports an unknown event, an unknown filter field and a malformed condition', () => {
    expect(errors(rule('event: payment_failed'))).toEqual([expect.stringMatching(/e\.yaml:6:8 rules\[0\]\.event: expected one of payment_completed, account_status_changed, penalty_applied, penalty_lifted, got "payment_failed"/)]);
    expect(errors(rule('event: payment_completed', 'filter: { channel: web }'))).toEqual([expect.stringMatching(/filter\.channel: expected a field of payment_completed \(payment_id, customer_id, amount, source\), got channel/)]);
    expect(errors(rule('event: penalty_applied', 'filter: { reason: { like: "x*" } }'))).toEqual([expect.stringMatching(/filter\.reason: expected a value, \{ not: value \}/)]);
  });
});
