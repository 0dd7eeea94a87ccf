/** Random is a source of numbers in [0, 1); seeded, so the same seed makes the same traffic. */
export type Random = () => number;

/** seededRandom is a small deterministic generator (mulberry32). */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** between draws uniformly from [min, max). */
export function between(random: Random, min: number, max: number): number {
  return min + random() * (max - min);
}

/** weighted picks an item with probability proportional to its weight (the weights need not sum to 1). */
export function weighted<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, weight] of items) total += weight;
  let r = random() * total;
  for (const [item, weight] of items) {
    r -= weight;
    if (r < 0) return item;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

/**
 * logNormal draws from a log-normal distribution with the given median and shape: call durations and post-dial
 * delays have its long right tail (most calls are short, a few run for an hour).
 */
export function logNormal(random: Random, median: number, sigma: number): number {
  // Box-Muller; 1 - random() keeps the logarithm away from 0.
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(sigma * normal);
}

/** poisson draws how many calls arrive in an interval that expects `mean` of them. */
export function poisson(random: Random, mean: number): number {
  if (mean <= 0) return 0;
  // Knuth's method is exact and fast for the small means of one tick; large ones are near normal.
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

/** digits makes a string of `n` random decimal digits (phone numbers). */
export function digits(random: Random, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += Math.floor(random() * 10);
  return out;
}
