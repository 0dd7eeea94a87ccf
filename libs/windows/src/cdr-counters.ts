import type { Cdr } from '@callwatch/schemas';
import type { CounterName } from './counters';

// What each counter means, and how a window derives from them: CounterName and deriveWindow in @callwatch/windows.

/** NER_CODES are the endings RFC 6076 counts as the network working: answered, busy, no answer, declined. */
export const NER_CODES: ReadonlySet<number> = new Set([200, 480, 486, 600, 603]);

/**
 * COUNTED_CDR_FIELDS are the fields of a CDR that windows count and validate: the aggregator decodes CDRs into only
 * these (an Avro projection), and the rest of each record's bytes are skipped unread.
 */
export const COUNTED_CDR_FIELDS = [
  'cdr_id', 'customer_id', 'carrier_id', 'call_id', 'start_ms', 'answer_ms', 'end_ms', 'sip_code', 'pdd_ms', 'charge', 'cost',
] as const;

/** CountedCdr is a CDR as windows read it: its counted fields (COUNTED_CDR_FIELDS). */
export type CountedCdr = Pick<Cdr, (typeof COUNTED_CDR_FIELDS)[number]>;

/** SHORT_CALL_MS is the billed duration below which an answered call counts as short (SDR). */
export const SHORT_CALL_MS = 6_000;

/**
 * CounterFields are the counters every CDR adds to (CounterName in counters.ts) as fixed number fields, which V8
 * updates in place: no allocation per CDR.
 */
export class CounterFields {
  a = 0;
  n = 0;
  e = 0;
  x = 0;
  b = 0;
  p = 0;
  q = 0;
  s = 0;
  m = 0;
  h = 0;
}

/**
 * CdrCounters holds one bucket's counters while CDRs are added to it one by one. Its fields are fixed (the counters
 * of every CDR, and attempts per SIP code apart), so the per-CDR path stays fast; `addTo` then names them.
 */
export class CdrCounters extends CounterFields {
  /** attempts per SIP code (`c<code>`) */
  readonly codes = new Map<number, number>();

  /** add counts what one CDR brings. */
  add(cdr: CountedCdr): void {
    const code = cdr.sip_code;
    this.a += 1;
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
    if (code < 300 || code >= 400) this.x += 1;
    if (NER_CODES.has(code)) this.e += 1;
    if (cdr.answer_ms !== null) {
      const billedMs = cdr.end_ms - cdr.answer_ms;
      this.n += 1;
      this.b += billedMs;
      if (billedMs < SHORT_CALL_MS) this.h += 1;
    }
    if (cdr.pdd_ms !== null) {
      this.p += cdr.pdd_ms;
      this.q += 1;
    }
    this.s += cdr.charge;
    // A CDR without a cost says nothing about margin; counting its whole charge as margin would inflate it.
    if (cdr.cost !== null) this.m += cdr.charge - cdr.cost;
  }

  /** addTo adds these counters to a bucket's named counters; a counter that stayed zero is left out. */
  addTo(into: Record<string, number>): void {
    if (this.a !== 0) into.a = (into.a ?? 0) + this.a;
    if (this.n !== 0) into.n = (into.n ?? 0) + this.n;
    if (this.e !== 0) into.e = (into.e ?? 0) + this.e;
    if (this.x !== 0) into.x = (into.x ?? 0) + this.x;
    if (this.b !== 0) into.b = (into.b ?? 0) + this.b;
    if (this.p !== 0) into.p = (into.p ?? 0) + this.p;
    if (this.q !== 0) into.q = (into.q ?? 0) + this.q;
    if (this.s !== 0) into.s = (into.s ?? 0) + this.s;
    if (this.m !== 0) into.m = (into.m ?? 0) + this.m;
    if (this.h !== 0) into.h = (into.h ?? 0) + this.h;
    for (const [code, count] of this.codes) {
      const name = codeName(code);
      into[name] = (into[name] ?? 0) + count;
    }
  }
}

// `c<code>` names of the SIP codes (100–699), made once rather than once per bucket.
const CODE_NAMES: string[] = Array.from({ length: 600 }, (_, i) => `c${i + 100}`);

/** codeName is the counter name of attempts ending with a SIP code (`c<code>`). */
export function codeName(code: number): string {
  return CODE_NAMES[code - 100] ?? `c${code}`;
}

/** cdrCounters lists what one CDR adds to its bucket. */
export function cdrCounters(cdr: CountedCdr): Array<[CounterName, number]> {
  const counters = new CdrCounters();
  counters.add(cdr);
  const named: Record<string, number> = {};
  counters.addTo(named);
  return Object.entries(named) as Array<[CounterName, number]>;
}
