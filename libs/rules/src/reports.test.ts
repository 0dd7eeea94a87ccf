import type { Account, MetricSnapshot, Rule } from '@callwatch/schemas';
import { reportEntities, reportEvent, reportValue } from './reports';
import { makeRule } from './testing';

const rule = (scope: Rule['scope']): Rule => makeRule({
  id: 'daily-balance', title: 'Daily balance', scope, area: 'balance', operator: null, threshold: null, sample_period_ms: null, level: 'info',
  extra_json: JSON.stringify({ schedule: '0 8 * * *', timezone: 'Europe/Berlin' }),
});
const account = (entity: string, cls: string | null): Account => ({
  entity, name: entity, class: cls, status: 'active', balance: 10, debit_limit: null, currency: 'EUR', emails: [], phones: [], timezone: null, locale: null, at_ms: 0,
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

describe('reportValue', () => {
  const snapshot: MetricSnapshot = {
    entity: 'customer:acme', at_ms: 0, channels: null, balance: 42.5, credit: null, credit_used: null, late: 0, version: 0,
    windows: [{ sample_period_ms: 900_000, attempts: 0, answered: 0, asr: null, ner: null, acd: null, pdd: null, cps: null, spend: null, margin: null, sdr: null, codes: {} }],
  };

  it.each<[string, Partial<Rule>, MetricSnapshot | undefined, number | null]>([
    ['a gauge', { area: 'balance' }, snapshot, 42.5],
    ['the attempts of the window of its sample period, even none', { area: 'attempts', sample_period_ms: 900_000 }, snapshot, 0],
    ['null for a window with no value', { area: 'asr', sample_period_ms: 900_000 }, snapshot, null],
    ['null for a window the metrics do not have', { area: 'attempts', sample_period_ms: 300_000 }, snapshot, null],
    ['null without metrics', { area: 'balance' }, undefined, null],
    ['null for a script rule without a sandbox', { area: 'script', extra_json: JSON.stringify({ script: 'return 1', schedule: '0 8 * * *' }) }, snapshot, null],
  ])('%s', (_name, overrides, metrics, value) => {
    expect(reportValue({ ...rule({ kind: 'customer', value: 'acme' }), ...overrides }, metrics)).toBe(value);
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
