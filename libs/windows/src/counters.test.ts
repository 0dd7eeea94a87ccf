import { deriveWindow } from './counters';

describe('deriveWindow', () => {
  it('computes every windowed area from summed counters', () => {
    const w = deriveWindow(300_000, { a: 10, n: 4, e: 8, x: 9, b: 200_000, p: 12_000, q: 6, s: 1.2345674, m: 0.5, h: 1, k: 3, c200: 4, c486: 6, c503: 0 });
    expect(w).toEqual({
      sample_period_ms: 300_000, attempts: 10, answered: 4, asr: 40, ner: (8 / 9) * 100, acd: 50, pdd: 2_000, cps: 3,
      spend: 1.234567, margin: 0.5, sdr: 25, codes: { '200': 4, '486': 6 },
    });
  });

  it('gives no value where a ratio has nothing to divide by', () => {
    expect(deriveWindow(60_000, {})).toMatchObject({ attempts: 0, asr: null, ner: null, acd: null, pdd: null, sdr: null, spend: 0, margin: 0 });
  });
});
