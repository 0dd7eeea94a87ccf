import type { Account, Rule } from '@callwatch/schemas';
import { reportEntities, reportEvent } from './reports';

const rule = (scope: Rule['scope']): Rule => ({
  id: 'daily-balance', title: 'Daily balance', scope, area: 'balance', operator: null, threshold: null, reset_threshold: null,
  sample_period_ms: null, min_attempts: 1, for_ms: 0, repeat_ms: 0, level: 'info', penalty_ms: null, codes: [], notify: [], template: null,
  enabled: true, extra_json: JSON.stringify({ schedule: '0 8 * * *', timezone: 'Europe/Berlin' }), applied_by: 'test', applied_at_ms: 0,
});
const account = (entity: string, cls: string | null): Account => ({
  entity, name: entity, class: cls, status: 'active', balance: 10, debit_limit: null, currency: 'EUR', emails: [], phones: [], at_ms: 0,
});
const accounts = [
  account('customer:zeta', 'gold'), account('customer:acme', 'gold'), account('customer:beta', 'silver'),
  account('carrier:tier1', 'gold'), account('carrier:tier2', null), account('nonsense', 'gold'),
];

describe('reportEntities', () => {
  it.each<[string, Rule['scope'], string[]]>([
    ['a customer, known or not', { kind: 'customer', value: 'nobody' }, ['customer:nobody']],
    ['a carrier', { kind: 'carrier', value: 'tier2' }, ['carrier:tier2']],
    ['the accounts of a class, customers and carriers, sorted', { kind: 'class', value: 'gold' }, ['carrier:tier1', 'customer:acme', 'customer:zeta']],
    ['a class nobody has', { kind: 'class', value: 'platinum' }, []],
    ['every customer', { kind: 'all_customers', value: null }, ['customer:acme', 'customer:beta', 'customer:zeta']],
    ['every carrier', { kind: 'all_carriers', value: null }, ['carrier:tier1', 'carrier:tier2']],
  ])('%s', (_name, scope, entities) => {
    expect(reportEntities(rule(scope), accounts)).toEqual(entities);
  });
});

describe('reportEvent', () => {
  it('carries the value at the tick, no threshold, and an id of (rule, entity, report, tick)', () => {
    const tick = Date.UTC(2026, 2, 29, 6);
    const event = reportEvent(rule({ kind: 'class', value: 'gold' }), 'customer:acme', 42.5, tick);
    expect(event).toEqual({
      event_id: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown, type: 'report', rule_id: 'daily-balance', rule_title: 'Daily balance',
      entity: 'customer:acme', area: 'balance', value: 42.5, threshold: null, reset_threshold: null, operator: null, level: 'info',
      sample_period_ms: null, at_ms: tick, first_fired_at_ms: tick, test: false,
    });
    const again = reportEvent(rule({ kind: 'class', value: 'gold' }), 'customer:acme', 41, tick);
    expect(again.event_id).toBe(event.event_id);
    expect(reportEvent(rule({ kind: 'class', value: 'gold' }), 'customer:acme', 42.5, tick + 86_400_000).event_id).not.toBe(event.event_id);
    expect(reportEvent(rule({ kind: 'class', value: 'gold' }), 'customer:zeta', 42.5, tick).event_id).not.toBe(event.event_id);
  });
});
