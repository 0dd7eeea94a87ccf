import { bucketIndex, bucketSizeMs, keptPeriods, windowStartBucket } from './buckets';

describe('windows', () => {
  it.each([
    [60_000, 1_000],
    [5 * 60_000, 5_000],
    [15 * 60_000, 15_000],
    [24 * 3_600_000, 1_440_000],
  ])('a %i ms period has %i ms buckets', (period, bucket) => {
    expect(bucketSizeMs(period)).toBe(bucket);
  });

  it.each([30_000, 90_000, 25 * 3_600_000, 0])('rejects a period of %i ms', (period) => {
    expect(() => bucketSizeMs(period)).toThrow(/whole minutes between 1m and 24h/);
  });

  it('aligns buckets to the epoch and ends the window with the bucket of t', () => {
    const t = 1_700_000_012_345; // 5 s buckets for 5 m
    expect(bucketIndex(t, 300_000)).toBe(Math.floor(t / 5_000));
    expect(windowStartBucket(t, 300_000)).toBe(Math.floor(t / 5_000) - 59);
  });

  it.each([
    ['the configured periods when no rule uses one', [300_000, 3_600_000], [], [300_000, 3_600_000]],
    ['the periods rules use besides, once each, in order', [3_600_000], [120_000, null, 3_600_000, 120_000], [120_000, 3_600_000]],
    ['no period a rule names that has no window', [300_000], [30_000, 90_000, 25 * 3_600_000], [300_000]],
  ])('keeps %s', (_, configured, rules, expected) => {
    expect(keptPeriods(configured, rules)).toEqual(expected);
  });
});
