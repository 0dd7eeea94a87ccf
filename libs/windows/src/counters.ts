import type { Window } from '@callwatch/schemas';

/**
 * CounterName is the name of one of a bucket's counters. Every windowed area is a ratio or sum of these, so
 * buckets add up exactly and a window is the sum of its 60 buckets:
 *   a attempts · n answered · e NER-neutral endings (200, 480, 486, 600, 603) · x attempts that are not 3xx
 *   b billed ms · p PDD ms · q calls reporting PDD · s spend · m margin · h answered calls under 6 s
 *   c<code> attempts ending with that SIP code
 * and `k`, the most calls started in one second of the bucket (a maximum, not a sum: cps is the window's peak).
 */
export type CounterName = 'a' | 'n' | 'e' | 'x' | 'b' | 'p' | 'q' | 's' | 'm' | 'h' | `c${number}`;

const ratio = (num: number, den: number, scale = 1): number | null => (den > 0 ? (num / den) * scale : null);

/** deriveWindow turns a window's summed counters into the areas of docs/design.md ("Entities and metrics"). */
export function deriveWindow(periodMs: number, sums: Readonly<Record<string, number>>): Window {
  const get = (name: string) => sums[name] ?? 0;
  const codes: Record<string, number> = {};
  for (const name in sums) {
    const value = sums[name] as number;
    if (name.charCodeAt(0) === 99 /* c<code> */ && value > 0) codes[name.slice(1)] = value;
  }
  const sum = { a: get('a'), n: get('n'), e: get('e'), x: get('x'), b: get('b'), p: get('p'), q: get('q'), s: get('s'), m: get('m'), h: get('h'), k: get('k') };
  return windowAreas(periodMs, sum, codes);
}

/** WindowSums are a window's counters but attempts per SIP code (CounterName). */
export type WindowSums = Readonly<Record<'a' | 'n' | 'e' | 'x' | 'b' | 'p' | 'q' | 's' | 'm' | 'h' | 'k', number>>;

/** windowAreas derives a window's areas from its counters, and its attempts per SIP code (code -> attempts, all > 0). */
export function windowAreas(periodMs: number, c: WindowSums, codes: Record<string, number>): Window {
  return {
    sample_period_ms: periodMs,
    attempts: c.a,
    answered: c.n,
    asr: ratio(c.n, c.a, 100),
    ner: ratio(c.e, c.x, 100),
    acd: ratio(c.b / 1000, c.n),
    pdd: ratio(c.p, c.q),
    cps: c.k,
    spend: roundMoney(c.s),
    margin: roundMoney(c.m),
    sdr: ratio(c.h, c.n, 100),
    codes,
  };
}

/** roundMoney keeps sums of money at a millionth of the currency unit, hiding binary floating-point noise. */
export function roundMoney(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
