import { readWindows } from './window-read';

describe('readWindows', () => {
  it('sums the buckets inside each window as of the clock and ignores the ones that slid out', () => {
    const clock = 1_700_000_000_000; // 5 s buckets for 5 m; the window is the 60 buckets ending with the clock's
    const now = Math.floor(clock / 5_000);
    const fields = {
      [`300000:${now}:a`]: '3', [`300000:${now}:n`]: '1', [`300000:${now - 59}:a`]: '1',
      [`300000:${now - 60}:a`]: '100', // slid out
      [`60000:${Math.floor(clock / 1_000)}:a`]: '2', [`60000:${Math.floor(clock / 1_000)}:s`]: '0.25',
      junk: '1',
    };
    const [oneMinute, fiveMinutes] = readWindows(fields, clock);
    expect(oneMinute).toMatchObject({ sample_period_ms: 60_000, attempts: 2, spend: 0.25 });
    expect(fiveMinutes).toMatchObject({ sample_period_ms: 300_000, attempts: 4, answered: 1, asr: 25 });
  });
});
