import { decimalsApart } from './numbers';

describe('decimalsApart', () => {
  it.each([
    ['apart at the usual decimals', 44.99, 45, 2, 2],
    ['one more decimal tells them apart', 44.996, 45, 2, 3],
    ['three more', 44.99999, 45, 2, 5],
    ['closer than the most decimals shown', 44.9999999, 45, 2, 6],
    ['equal', 45, 45, 2, 2],
    ['no threshold (a report)', 44.996, null, 2, 2],
    ['from one decimal (a percentage)', 99.96, 100, 1, 2],
    ['from none (milliseconds)', 2999.6, 3000, 0, 1],
  ])('%s: %p against %p from %p decimals: %p', (_, value, threshold, decimals, expected) => {
    expect(decimalsApart(value, threshold, decimals)).toBe(expected);
  });
});
