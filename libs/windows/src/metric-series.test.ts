import { balanceSeries, peakSeries, stepSeries } from './metric-series';

describe('stepSeries', () => {
  // A 1m period: 1 s buckets. Buckets 100..159 are the window; 100-101 hold 4 calls (3 answered), 104 one (unanswered).
  const buckets = new Map([[100, { a: 2, n: 2, x: 2 }], [101, { a: 2, n: 1, x: 2 }], [104, { a: 1, x: 1 }]]);
  const input = { area: 'asr', periodMs: 60_000, bucketMs: 1_000, buckets, firstBucket: 100, lastBucket: 159 };

  it('derives each step from the sums of its buckets, null where nothing ended, and nothing known before the window', () => {
    const series = stepSeries(input, { fromMs: 98_000, toMs: 108_000, stepMs: 2_000 });
    expect(series).toEqual({
      kind: 'steps', stepMs: 2_000,
      points: [
        { atMs: 100_000, value: null }, // before the window
        { atMs: 102_000, value: 75 }, // 3 of 4, not the mean of 100% and 50%
        { atMs: 104_000, value: null }, // known, but no attempt: no ASR
        { atMs: 106_000, value: 0 },
        { atMs: 108_000, value: null },
      ],
    });
    expect(stepSeries({ ...input, area: 'attempts' }, { fromMs: 98_000, toMs: 106_000, stepMs: 2_000 }).points.map((p) => p.value)).toEqual([null, 4, 0, 1]);
  });

  it('rounds the step to whole buckets and counts a code ratio from its codes', () => {
    const codes = new Map([[100, { a: 4, c503: 1, c502: 1 }]]);
    const series = stepSeries({ ...input, area: 'code_ratio', buckets: codes }, { fromMs: 100_000, toMs: 101_000, stepMs: 700, codes: [503] });
    expect(series).toEqual({ kind: 'steps', stepMs: 1_000, points: [{ atMs: 101_000, value: 25 }] });
  });
});

describe('peakSeries', () => {
  it('takes the busiest second of each step, 0 where known and quiet, null where unknown', () => {
    const starts = new Map([[10, 2], [11, 5], [14, 1]]);
    expect(peakSeries(starts, 10_000, 15_999, { fromMs: 6_000, toMs: 18_000, stepMs: 3_000 }).points).toEqual([
      { atMs: 9_000, value: null }, { atMs: 12_000, value: 5 }, { atMs: 15_000, value: 1 }, { atMs: 18_000, value: 0 },
    ]);
  });
});

describe('balanceSeries', () => {
  it('undoes the movements after each time, from the snapshot on, up to now or the end of the range', () => {
    const moves = new Map([[70, 10], [130, -4]]);
    expect(balanceSeries(56, 200_000, moves, 50_000, { fromMs: 0, toMs: 300_000, stepMs: 60_000 }).points).toEqual([
      { atMs: 50_000, value: 50 }, { atMs: 60_000, value: 50 }, { atMs: 120_000, value: 60 }, { atMs: 180_000, value: 56 }, { atMs: 200_000, value: 56 },
    ]);
    expect(balanceSeries(56, 200_000, moves, 50_000, { fromMs: 60_000, toMs: 100_000, stepMs: 60_000 }).points).toEqual([
      { atMs: 60_000, value: 50 }, { atMs: 100_000, value: 60 },
    ]);
    expect(balanceSeries(56, 200_000, moves, 150_000, { fromMs: 0, toMs: 100_000, stepMs: 60_000 }).points).toEqual([]);
  });
});
