import type { AlertEvent } from '@callwatch/schemas';
import { formatAlert } from './alerts';

const fired: AlertEvent = {
  event_id: 'e1', type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 12.3456,
  threshold: 30, reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 300_000, at_ms: Date.UTC(2026, 10, 23, 1, 2, 3), first_fired_at_ms: 0, test: false,
};

describe('formatAlert', () => {
  it('shows the condition that fired', () => {
    expect(formatAlert(fired)).toBe('2026-11-23T01:02:03.000Z  FIRED    warning  customer:acme  low-asr: asr 12.35 <= 30 over 5m');
  });

  it('shows a report with its value and window, without a condition', () => {
    const report: AlertEvent = { ...fired, type: 'report', rule_id: 'hourly-asr', level: 'info', value: 48.123, threshold: null, reset_threshold: null, operator: null, sample_period_ms: 3_600_000 };
    expect(formatAlert(report)).toBe('2026-11-23T01:02:03.000Z  REPORT   info     customer:acme  hourly-asr: asr 48.12 over 1h');
    expect(formatAlert({ ...report, area: 'balance', value: null, sample_period_ms: null })).toBe('2026-11-23T01:02:03.000Z  REPORT   info     customer:acme  hourly-asr: balance n/a');
  });

  it('shows the reset threshold a reset crossed back over', () => {
    expect(formatAlert({ ...fired, type: 'reset', value: 34.78 })).toBe('2026-11-23T01:02:03.000Z  RESET    warning  customer:acme  low-asr: asr 34.78 back past 31 over 5m');
  });

  it('shows as many decimals as it takes for a value not to look equal to its threshold', () => {
    const low = { ...fired, area: 'balance', operator: '<', threshold: 45, reset_threshold: null, sample_period_ms: null };
    expect(formatAlert({ ...low, value: 44.996 })).toMatch(/low-asr: balance 44\.996 < 45$/);
    expect(formatAlert({ ...low, value: 44.99999 })).toMatch(/low-asr: balance 44\.99999 < 45$/);
    expect(formatAlert({ ...low, value: 45 })).toMatch(/low-asr: balance 45 < 45$/);
    expect(formatAlert({ ...low, value: 12.3456 })).toMatch(/low-asr: balance 12\.35 < 45$/);
    expect(formatAlert({ ...low, type: 'reset', reset_threshold: 46, value: 45.999 })).toMatch(/low-asr: balance 45\.999 back past 46$/);
  });
});
