import { readWindows } from './window-read';

describe('readWindows', () => {
  it('derives each period window from its running total and ignores bucket fields', () => {
    const fields = {
      '300000:tot': JSON.stringify({ _first: 340_000_000, a: 4, n: 1, c200: 1, c486: 3 }),
      '60000:tot': JSON.stringify({ _first: 1_700_000_000, a: 2, s: 0.25 }),
      '300000:340000010': JSON.stringify({ a: 1 }),
      junk: '1',
    };
    const [oneMinute, fiveMinutes] = readWindows(fields);
    expect(oneMinute).toMatchObject({ sample_period_ms: 60_000, attempts: 2, spend: 0.25 });
    expect(fiveMinutes).toMatchObject({ sample_period_ms: 300_000, attempts: 4, answered: 1, asr: 25, codes: { '200': 1, '486': 3 } });
  });
});
