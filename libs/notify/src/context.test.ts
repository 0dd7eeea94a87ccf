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

  describe("in the account's time zone and locale", () => {
    const account = (timezone: string | null, locale: string | null, currency = 'EUR') => ({ name: 'T1', currency, timezone, locale }) as Account;
    const at = { at_ms: Date.UTC(2026, 2, 2, 13, 5, 30), first_fired_at_ms: Date.UTC(2026, 2, 2, 12, 0) };

    it.each<[string | null, string | null, string, string]>([
      ['Europe/Berlin', 'en-GB', '2026-03-02 14:05 CET', '2026-03-02 13:00 CET'],
      ['Europe/Berlin', 'de-DE', '2026-03-02 14:05 MEZ', '2026-03-02 13:00 MEZ'],
      ['Europe/Berlin', null, '2026-03-02 14:05 GMT+1', '2026-03-02 13:00 GMT+1'],
      ['America/New_York', 'en-US', '2026-03-02 08:05 EST', '2026-03-02 07:00 EST'],
      ['Asia/Kolkata', 'en', '2026-03-02 18:35 GMT+5:30', '2026-03-02 17:30 GMT+5:30'],
      [null, 'de-DE', '2026-03-02T13:05:30Z', '2026-03-02T12:00:00Z'],
      ['Mars/Olympus', 'de-DE', '2026-03-02T13:05:30Z', '2026-03-02T12:00:00Z'],
      ['Europe/Berlin', 'not a locale!', '2026-03-02 14:05 GMT+1', '2026-03-02 13:00 GMT+1'],
    ])('times in zone %s, locale %s read %s', (timezone, locale, firedAt, firstFiredAt) => {
      expect(buildContext(alert(at), undefined, account(timezone, locale))).toMatchObject({ firedAt, firstFiredAt });
    });

    it.each<[string | null, string, string, string, string]>([
      ['de-DE', 'EUR', '1.234,50 €', '1.000,00 €', ''],
      ['en-US', 'USD', '$1,234.50', '$1,000.00', ''],
      ['fr-CH', 'CHF', '1 234.50 CHF', '1 000.00 CHF', ''],
      ['en', 'XYZ1', '1,234.50 XYZ1', '1,000.00 XYZ1', ''],
      ['not a locale!', 'EUR', '€1,234.50', '€1,000.00', ''],
      [null, 'EUR', '1234.50', '1000.00', ' EUR'],
    ])('money in locale %s and currency %s reads %s', (locale, currency, value, threshold, unit) => {
      const context = buildContext(alert({ area: 'spend', value: 1234.5, threshold: 1000, operator: '>' }), undefined, account(null, locale, currency));
      expect([context.value, context.threshold, context.unit]).toEqual([value, threshold, unit]);
    });

    it('keeps the decimals it takes for a value not to read as its threshold, and leaves other areas as they were', () => {
      const german = account('Europe/Berlin', 'de-DE');
      expect(buildContext(alert({ area: 'balance', value: 44.996, threshold: 45 }), undefined, german)).toMatchObject({ value: '44,996 €', threshold: '45,00 €' });
      expect(buildContext(alert({ area: 'asr', value: 27.46 }), undefined, german)).toMatchObject({ value: '27.5', unit: '%' });
    });
  });
});
