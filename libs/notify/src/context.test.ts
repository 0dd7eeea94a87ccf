import type { Account, AlertEvent, Rule } from '@callwatch/schemas';
import { buildContext } from './context';

const alert = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  event_id: 'evt-1', type: 'fired', rule_id: 'r', rule_title: 'Rule', entity: 'carrier:tier1', area: 'asr', value: 27.46,
  threshold: 30, reset_threshold: null, operator: '<', level: 'error', sample_period_ms: 3_600_000,
  at_ms: Date.UTC(2024, 0, 2, 3, 4, 5), first_fired_at_ms: Date.UTC(2024, 0, 2, 3, 4, 5), test: false, ...over,
});

describe('buildContext', () => {
  it.each([
    ['asr', 27.46, '27.5', '%'],
    ['ner', 99.96, '100.0', '%'],
    ['sdr', 5, '5.0', '%'],
    ['code_ratio', 12.34, '12.3', '%'],
    ['acd', 42.27, '42.3', 's'],
    ['pdd', 2345.6, '2346', 'ms'],
    ['attempts', 20, '20', ''],
    ['channels', 7, '7', ''],
    ['cps', 12, '12', '/s'],
    ['spend', 1234.5, '1234.50', ' EUR'],
    ['margin', -3.456, '-3.46', ' EUR'],
    ['balance', 0.1, '0.10', ' EUR'],
    ['script', 1.23456, '1.23', ''],
  ])('formats %s %p as %p%p', (area, value, text, unit) => {
    const account = { name: 'T1', currency: 'EUR' } as Account;
    const context = buildContext(alert({ area, value }), undefined, account);
    expect([context.value, context.unit]).toEqual([text, unit]);
  });

  it('shows as many decimals as it takes for a value not to read as the threshold it crossed', () => {
    const account = { name: 'T1', currency: 'EUR' } as Account;
    expect(buildContext(alert({ area: 'balance', value: 44.996, threshold: 45 }), undefined, account)).toMatchObject({ value: '44.996', threshold: '45.00' });
    expect(buildContext(alert({ area: 'asr', value: 29.96, threshold: 30 })).value).toBe('29.96');
    expect(buildContext(alert({ area: 'asr', type: 'reset', value: 31.04, threshold: 30, reset_threshold: 31 })).value).toBe('31.04');
    expect(buildContext(alert({ area: 'asr', value: 27.46, threshold: 30 })).value).toBe('27.5');
  });

  it('exposes the variables docs/design.md lists for templates', () => {
    const context = buildContext(alert({ reset_threshold: 31, type: 'repeated', at_ms: Date.UTC(2024, 0, 2, 4, 34, 5) }));
    expect(context).toMatchObject({
      entity: { id: 'carrier:tier1', kind: 'carrier', name: 'tier1' },
      rule: { id: 'r', title: 'Rule' },
      threshold: '30.0', resetThreshold: '31.0', operator: '<', operatorText: 'below', level: 'error', window: '1h',
      firedAt: '2024-01-02T04:34:05Z', firstFiredAt: '2024-01-02T03:04:05Z', firingFor: '1h30m', transition: 'still firing',
      isRepeated: true, isFired: false, isReset: false, isReport: false, areaLabel: 'ASR',
    });
  });

  it('prefers the account name and the rule title, and names the codes of a code ratio', () => {
    const rule = { title: 'Too many 503s', codes: [503, 486] } as Rule;
    const context = buildContext(alert({ area: 'code_ratio' }), rule, { name: '  Tier One  ', currency: 'USD' } as Account);
    expect([context.entity.name, context.rule.title, context.areaLabel]).toEqual(['Tier One', 'Too many 503s', 'SIP 503/486 ratio']);
  });

  it('marks a report, which has a value and no threshold', () => {
    const context = buildContext(alert({ type: 'report', area: 'balance', value: 12, threshold: null, operator: null, sample_period_ms: null }), undefined, { name: 'T1', currency: 'EUR' } as Account);
    expect(context).toMatchObject({ isReport: true, isFired: false, transition: 'report', value: '12.00', unit: ' EUR', hasValue: true, threshold: 'n/a', window: '' });
  });

  it('handles alerts without value, threshold or window (event rules)', () => {
    const context = buildContext(alert({ area: 'event', value: null, threshold: null, operator: null, sample_period_ms: null }));
    expect([context.value, context.hasValue, context.threshold, context.operator, context.window, context.resetThreshold]).toEqual(['n/a', false, 'n/a', '', '', '']);
  });
});
