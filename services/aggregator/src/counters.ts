import type { Cdr } from '@callwatch/schemas';
import type { CounterName } from '@callwatch/windows';

// What each counter means, and how a window derives from them: CounterName and deriveWindow in @callwatch/windows.

/** NER_CODES are the endings RFC 6076 counts as the network working: answered, busy, no answer, declined. */
export const NER_CODES: ReadonlySet<number> = new Set([200, 480, 486, 600, 603]);

/** SHORT_CALL_MS is the billed duration below which an answered call counts as short (SDR). */
export const SHORT_CALL_MS = 6_000;

/** addCdrCounters adds what one CDR brings to a bucket's counters, in place (the hot path allocates nothing). */
export function addCdrCounters(cdr: Cdr, into: Record<string, number>): void {
  const code = cdr.sip_code;
  const codeName = codeCounter(code);
  into.a = (into.a ?? 0) + 1;
  into[codeName] = (into[codeName] ?? 0) + 1;
  if (code < 300 || code >= 400) into.x = (into.x ?? 0) + 1;
  if (NER_CODES.has(code)) into.e = (into.e ?? 0) + 1;
  if (cdr.answer_ms !== null) {
    const billedMs = cdr.end_ms - cdr.answer_ms;
    into.n = (into.n ?? 0) + 1;
    into.b = (into.b ?? 0) + billedMs;
    if (billedMs < SHORT_CALL_MS) into.h = (into.h ?? 0) + 1;
  }
  if (cdr.pdd_ms !== null) {
    into.p = (into.p ?? 0) + cdr.pdd_ms;
    into.q = (into.q ?? 0) + 1;
  }
  if (cdr.charge !== 0) into.s = (into.s ?? 0) + cdr.charge;
  // A CDR without a cost says nothing about margin; counting its whole charge as margin would inflate it.
  if (cdr.cost !== null) into.m = (into.m ?? 0) + (cdr.charge - cdr.cost);
}

/** addCounters adds one bucket's counters to another's, in place. */
export function addCounters(from: Readonly<Record<string, number>>, into: Record<string, number>): void {
  for (const name in from) into[name] = (into[name] ?? 0) + (from[name] as number);
}

// `c<code>` names of the SIP codes (100–699), made once rather than once per CDR.
const CODE_NAMES: string[] = Array.from({ length: 600 }, (_, i) => `c${i + 100}`);
const codeCounter = (code: number): string => CODE_NAMES[code - 100] ?? `c${code}`;

/** cdrCounters lists what one CDR adds to its bucket. */
export function cdrCounters(cdr: Cdr): Array<[CounterName, number]> {
  const counters: Record<string, number> = {};
  addCdrCounters(cdr, counters);
  return Object.entries(counters) as Array<[CounterName, number]>;
}
