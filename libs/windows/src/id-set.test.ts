import { IdSet, idHash } from './id-set';

describe('IdSet', () => {
  it('remembers ids with their times, grows, and forgets those older than a time', () => {
    const set = new IdSet();
    for (let i = 0; i < 10_000; i++) set.add(idHash(`cdr-${i}`), i);
    expect(set.size).toBe(10_000);
    expect(set.has(idHash('cdr-42'), 0)).toBe(true);
    expect(set.has(idHash('cdr-42'), 43)).toBe(false);
    expect(set.has(idHash('cdr-10000'), 0)).toBe(false);
    set.forget(5_000);
    expect(set.size).toBe(5_000);
    expect(set.has(idHash('cdr-4999'), -Infinity)).toBe(false);
    expect(set.has(idHash('cdr-5000'), -Infinity)).toBe(true);
    // Added again later: the later time counts.
    set.add(idHash('cdr-5000'), 20_000);
    expect(set.size).toBe(5_000);
    expect(set.has(idHash('cdr-5000'), 19_999)).toBe(true);
  });

  it('gives 400,000 distinct ids 400,000 distinct hashes, none of them 0', () => {
    const hashes = new Set<number>();
    for (let i = 0; i < 200_000; i++) hashes.add(idHash(`bench-${i}`));
    for (let i = 0; i < 200_000; i++) hashes.add(idHash(`${i.toString(16)}-4f3a-9c2e-${(i * 7919).toString(36)}`));
    expect(hashes.size).toBe(400_000);
    expect(hashes.has(0)).toBe(false);
    expect([...hashes].every((h) => Number.isSafeInteger(h) && h < 2 ** 52)).toBe(true);
  });
});
