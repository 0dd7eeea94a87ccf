import { valueDecimals } from './numbers';

describe('valueDecimals', () => {
  const fired = (value: number | null, threshold: number | null) => ({ type: 'fired', value, threshold, reset_threshold: null });
  it.each([
    ['apart at the usual decimals', 44.99, 45, 2, 2],
    ['one more decimal tells them apart', 44.996, 45, 2, 3],
    ['three more', 44.99999, 45, 2, 5],
    ['closer than the most decimals shown', 44.9999999, 45, 2, 6],
    ['equal', 45, 45, 2, 2],
    ['no threshold (a report)', 44.996, null, 2, 2],
    ['no value (an event rule)', null, 45, 2, 2],
    ['from one decimal (a percentage)', 99.96, 100, 1, 2],
    ['from none (milliseconds)', 2999.6, 3000, 0, 1],
  ])('%s: %p against %p from %p decimals: %p', (_, value, threshold, decimals, expected) => {
    expect(valueDecimals(fired(value, threshold), decimals)).toBe(expected);
  });

  it('compares a reset with its reset threshold, or the threshold when it has none', () => {
    expect(valueDecimals({ type: 'reset', value: 31.04, threshold: 30, reset_threshold: 31 }, 1)).toBe(2);
    expect(valueDecimals({ type: 'reset', value: 30.04, threshold: 30, reset_threshold: null }, 1)).toBe(2);
    expect(valueDecimals({ type: 'fired', value: 31.04, threshold: 35, reset_threshold: 31 }, 1)).toBe(1);
  });
});
