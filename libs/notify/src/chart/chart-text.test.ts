import { altText, chartTitle, clockTime, spanText, type ChartMoment, type ChartText } from './chart-text';

const T0 = Date.UTC(2024, 4, 1, 14, 0);
const text: ChartText = { areaLabel: 'ASR', entityName: 'ACME', unit: '%', decimals: 0, fromMs: T0 - 600_000, toMs: T0 + 300_000 };
const fired: ChartMoment = { type: 'fired', threshold: 30, resetThreshold: 31, operator: '<', firedAtMs: T0 + 300_000, resetAtMs: null };
const points = [{ atMs: T0 - 300_000, value: 52 }, { atMs: T0, value: null }, { atMs: T0 + 300_000, value: 28 }];

describe('chart text', () => {
  it('says what the chart shows', () => {
    expect(altText(text, fired, points)).toBe('ASR for ACME over the last 15 minutes: from 52% down to 28%, below the threshold 30% since 14:05 UTC');
    const recovering = [{ atMs: T0 - 300_000, value: 28 }, { atMs: T0 + 300_000, value: 52 }];
    expect(altText(text, { ...fired, type: 'reset', resetAtMs: T0 + 300_000 }, recovering))
      .toBe('ASR for ACME over the last 15 minutes: from 28% up to 52%, back past the reset threshold 31% since 14:05 UTC');
    expect(altText({ ...text, timeZone: 'Europe/Berlin' }, fired, points)).toMatch(/since 16:05 (CEST|GMT\+2)$/);
    expect(altText({ ...text, timeZone: 'Not/AZone' }, fired, points)).toMatch(/since 14:05 UTC$/);
    expect(altText(text, { ...fired, type: 'report', threshold: null, operator: null }, [{ atMs: T0, value: 40 }])).toBe('ASR for ACME over the last 15 minutes: 40% at 14:00 UTC');
    expect(altText(text, fired, [])).toBe('ASR for ACME over the last 15 minutes: no data, below the threshold 30% since 14:05 UTC');
  });

  it('titles the chart with its span', () => {
    expect(chartTitle(text)).toBe('ASR — ACME, last 15m');
    expect([spanText(3_600_000), spanText(86_400_000), spanText(5_400_000), spanText(10_000)]).toEqual(['1h', '24h', '1h30m', '1m']);
    expect(clockTime(T0, 'UTC')).toBe('14:00 UTC');
  });
});
