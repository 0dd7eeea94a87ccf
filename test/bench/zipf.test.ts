import { seededRandom } from '@callwatch/cli';
import { zipfSampler } from './zipf';

describe('zipfSampler', () => {
  it('skews towards the first ranks and stays in range', () => {
    const draw = zipfSampler(1000, 1.1, seededRandom(5));
    const counts = new Array<number>(1000).fill(0);
    for (let i = 0; i < 50_000; i++) counts[draw()]!++;
    expect(counts.every((c) => c >= 0)).toBe(true);
    expect(counts[0]!).toBeGreaterThan(counts[9]! * 5);
    expect(counts[9]!).toBeGreaterThan(counts[999]!);
  });
});
