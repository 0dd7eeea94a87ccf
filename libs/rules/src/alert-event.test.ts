import type { AlertEvent } from '@callwatch/schemas';
import { alertEvent, alertEventId, transitionEvent, type AlertOrigin } from './alert-event';
import { alertRuleFields } from './decide';
import { makeRule } from './testing';

const RULE = makeRule({ reset_threshold: 31 });
const FIELDS = alertRuleFields(RULE);
const ENTITY = 'customer:acme';
const fired: AlertOrigin = { kind: 'transition', type: 'fired', atMs: 1000, firstFiredAtMs: 1000, value: 12 };

describe('alertEventId', () => {
  it('is the SHA-1 hex of rule|entity|type|at_ms for a transition, so consumers in any language can recompute it', () => {
    expect(alertEventId('low-asr', ENTITY, fired)).toBe('f7c1b9fb93c456d6d8282e8a8047288d8da78479');
  });

  it.each<[string, string, string, AlertOrigin]>([
    ['another rule', 'low-asr-2', ENTITY, fired],
    ['another entity', 'low-asr', 'customer:acme2', fired],
    ['another type', 'low-asr', ENTITY, { ...fired, type: 'reset' }],
    ['a report at the same time', 'low-asr', ENTITY, { kind: 'report', tickMs: 1000, value: 12 }],
    ['another time', 'low-asr', ENTITY, { ...fired, atMs: 1001 }],
    ['the orphan reset of the firing at that time', 'low-asr', ENTITY, { kind: 'orphan', atMs: 1000, firstFiredAtMs: 1000, value: 12 }],
    ['an event rule\'s alert', 'low-asr', ENTITY, { kind: 'event', name: 'payment_completed', sourceId: '1000', atMs: 1000, value: 12 }],
    ['a test', 'low-asr', ENTITY, { kind: 'test', type: 'fired', nonce: '1000', atMs: 1000, value: 12 }],
  ])('differs for %s', (_name, rule, entity, origin) => {
    expect(alertEventId(rule, entity, origin)).not.toBe(alertEventId('low-asr', ENTITY, fired));
  });

  it('names an orphan reset by the firing it closes, whatever snapshot noticed it', () => {
    const at = (atMs: number): AlertOrigin => ({ kind: 'orphan', atMs, firstFiredAtMs: 500, value: 3 });
    expect(alertEventId('low-asr', ENTITY, at(1000))).toBe(alertEventId('low-asr', ENTITY, at(2000)));
  });
});

describe('alertEvent', () => {
  const base: Omit<AlertEvent, 'event_id' | 'type' | 'value' | 'at_ms' | 'first_fired_at_ms' | 'test'> = {
    rule_id: 'low-asr', rule_title: 'Low ASR', entity: ENTITY, area: 'asr', threshold: 30, reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 900_000,
  };
  const plain = { threshold: null, reset_threshold: null, operator: null };

  it.each<[string, AlertOrigin, Partial<AlertEvent>]>([
    ['a transition', { kind: 'transition', type: 'repeated', atMs: 5_000, firstFiredAtMs: 1_000, value: 12 }, { type: 'repeated', value: 12, at_ms: 5_000, first_fired_at_ms: 1_000, test: false }],
    ['an orphan reset', { kind: 'orphan', atMs: 9_000, firstFiredAtMs: 1_000, value: null }, { type: 'reset', value: null, at_ms: 9_000, first_fired_at_ms: 1_000, test: false }],
    ['a report', { kind: 'report', tickMs: 7_000, value: 44 }, { type: 'report', value: 44, at_ms: 7_000, first_fired_at_ms: 7_000, test: false, ...plain }],
    ['an event rule\'s alert', { kind: 'event', name: 'payment_completed', sourceId: 'p1', atMs: 3_000, value: 25 }, { type: 'fired', value: 25, at_ms: 3_000, first_fired_at_ms: 3_000, test: false, ...plain }],
    ['a test of a threshold rule', { kind: 'test', type: 'fired', nonce: 'n', atMs: 4_000, value: 12 }, { type: 'fired', value: 12, at_ms: 4_000, first_fired_at_ms: 4_000, test: true }],
    ['a test of a report rule', { kind: 'test', type: 'report', nonce: 'n', atMs: 4_000, value: 12 }, { type: 'report', value: 12, at_ms: 4_000, first_fired_at_ms: 4_000, test: true, ...plain }],
  ])('builds %s, with its type, times and id from its origin', (_name, origin, expected) => {
    expect(alertEvent('low-asr', FIELDS, ENTITY, origin)).toEqual({ ...base, ...expected, event_id: alertEventId('low-asr', ENTITY, origin) });
  });

  it('transitionEvent is alertEvent for decide\'s transition', () => {
    expect(transitionEvent(RULE, ENTITY, { type: 'fired', at_ms: 1000, first_fired_at_ms: 1000, value: 12 })).toEqual(alertEvent('low-asr', FIELDS, ENTITY, fired));
  });
});
