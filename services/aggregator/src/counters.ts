import type { Cdr, Window } from '@callwatch/schemas';

/**
 * Counter names of one bucket. Every windowed area is a ratio or sum of these, so buckets add up exactly
 * and a window is the sum of its 60 buckets:
 *   a attempts · n answered · e NER-neutral endings (200, 480, 486, 600, 603) · x attempts that are not 3xx
 *   b billed ms · p PDD ms · q calls reporting PDD · s spend · m margin · h answered calls under 6 s
 *   c<code> attempts ending with that SIP code
 * and `k`, the most calls started in one second of the bucket (a maximum, not a sum: cps is the window's peak).
 */
export type CounterName = 'a' | 'n' | 'e' | 'x' | 'b' | 'p' | 'q' | 's' | 'm' | 'h' | `c${number}`;

/** FLOAT_COUNTERS are the money counters; the others are integers. */
export const FLOAT_COUNTERS: ReadonlySet<string> = new Set(['s', 'm']);

/** NER_CODES are the endings RFC 6076 counts as the network working: answered, busy, no answer, declined. */
export const NER_CODES: ReadonlySet<number> = new Set([200, 480, 486, 600, 603]);

/** SHORT_CALL_MS is the billed duration below which an answered call counts as short (SDR). */
export const SHORT_CALL_MS = 6_000;

/** cdrCounters lists what one CDR adds to its bucket. */
export function cdrCounters(cdr: Cdr): Array<[CounterName, number]> {
  const out: Array<[CounterName, number]> = [['a', 1], [`c${cdr.sip_code}`, 1]];
  if (cdr.sip_code < 300 || cdr.sip_code >= 400) out.push(['x', 1]);
  if (NER_CODES.has(cdr.sip_code)) out.push(['e', 1]);
  if (cdr.answer_ms !== null) {
    const billedMs = cdr.end_ms - cdr.answer_ms;
    out.push(['n', 1], ['b', billedMs]);
    if (billedMs < SHORT_CALL_MS) out.push(['h', 1]);
  }
  if (cdr.pdd_ms !== null) out.push(['p', cdr.pdd_ms], ['q', 1]);
  if (cdr.charge !== 0) out.push(['s', cdr.charge]);
  // A CDR without a cost says nothing about margin; counting its whole charge as margin would inflate it.
  if (cdr.cost !== null) out.push(['m', cdr.charge - cdr.cost]);
  return out;
}

const ratio = (num: number, den: number, scale = 1): number | null => (den > 0 ? (num / den) * scale : null);

/** deriveWindow turns a window's summed counters into the areas of DESIGN.md §3. */
export function deriveWindow(periodMs: number, sums: Readonly<Record<string, number>>): Window {
  const get = (name: string) => sums[name] ?? 0;
  const codes: Record<string, number> = {};
  for (const [name, value] of Object.entries(sums)) if (name.startsWith('c') && value > 0) codes[name.slice(1)] = value;
  return {
    sample_period_ms: periodMs,
    attempts: get('a'),
    answered: get('n'),
    asr: ratio(get('n'), get('a'), 100),
    ner: ratio(get('e'), get('x'), 100),
    acd: ratio(get('b') / 1000, get('n')),
    pdd: ratio(get('p'), get('q')),
    cps: get('k'),
    spend: roundMoney(get('s')),
    margin: roundMoney(get('m')),
    sdr: ratio(get('h'), get('n'), 100),
    codes,
  };
}

/** roundMoney keeps sums of money at a millionth of the currency unit, hiding binary floating-point noise. */
export function roundMoney(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
