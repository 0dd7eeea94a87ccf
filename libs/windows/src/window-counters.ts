import type { Window } from '@callwatch/schemas';
import { CounterFields, codeName } from './cdr-counters';
import { windowAreas } from './counters';

/**
 * WindowCounters holds the counters of one bucket, or the running totals of one window (CounterName in counters.ts),
 * as the window engine keeps them in memory: the fixed fields of CounterFields, the peak of calls started, and
 * attempts per SIP code by code (whole numbers). A counter at 0 is a counter absent.
 */
export class WindowCounters extends CounterFields {
  /** the most calls started in one second of the window (running totals only) */
  k = 0;
  codes: Map<number, number> | null = null;
  /** changed since its last checkpoint */
  dirty = false;

  /** add adds `amount` to a named counter (names as stored: `a`, `n`, … and `c<code>`). */
  add(name: string, amount: number): void {
    switch (name) {
      case 'a': this.a += amount; break;
      case 'n': this.n += amount; break;
      case 'e': this.e += amount; break;
      case 'x': this.x += amount; break;
      case 'b': this.b += amount; break;
      case 'p': this.p += amount; break;
      case 'q': this.q += amount; break;
      case 's': this.s += amount; break;
      case 'm': this.m += amount; break;
      case 'h': this.h += amount; break;
      case 'k': this.k += amount; break;
      default: {
        if (name.charCodeAt(0) !== 99 /* c<code> */) return;
        const code = Number(name.slice(1));
        const codes = this.codes ?? (this.codes = new Map());
        codes.set(code, (codes.get(code) ?? 0) + amount);
      }
    }
  }

  /** addRecord adds named counters (a bucket of a batch's delta). */
  addRecord(counters: Readonly<Record<string, number>>): void {
    for (const name in counters) this.add(name, counters[name] as number);
  }

  /** subtract takes a bucket's counters off these totals (the bucket left the window). */
  subtract(o: WindowCounters): void {
    this.a -= o.a;
    this.n -= o.n;
    this.e -= o.e;
    this.x -= o.x;
    this.b -= o.b;
    this.p -= o.p;
    this.q -= o.q;
    this.s -= o.s;
    this.m -= o.m;
    this.h -= o.h;
    if (o.codes) for (const [code, count] of o.codes) this.add(codeName(code), -count);
  }

  /** record names the counters that are not 0, as deriveWindow reads them. */
  record(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.a !== 0) out.a = this.a;
    if (this.n !== 0) out.n = this.n;
    if (this.e !== 0) out.e = this.e;
    if (this.x !== 0) out.x = this.x;
    if (this.b !== 0) out.b = this.b;
    if (this.p !== 0) out.p = this.p;
    if (this.q !== 0) out.q = this.q;
    if (this.s !== 0) out.s = this.s;
    if (this.m !== 0) out.m = this.m;
    if (this.h !== 0) out.h = this.h;
    if (this.k !== 0) out.k = this.k;
    if (this.codes) for (const [code, count] of this.codes) if (count !== 0) out[codeName(code)] = count;
    return out;
  }

  /** window derives the areas of a window from its running totals, as deriveWindow does from named counters. */
  window(periodMs: number): Window {
    // SIP codes as keys of their own: integer-like keys are an object's fast elements.
    const codes: Record<string, number> = {};
    if (this.codes) for (const [code, count] of this.codes) if (count > 0) codes[code] = count;
    return windowAreas(periodMs, this, codes);
  }

  /** json is the counters as a JSON object, with `extra` members (already JSON) at its end. */
  json(extra = ''): string {
    let out = '';
    const put = (name: string, value: number) => {
      if (value !== 0) out += `,"${name}":${value}`;
    };
    put('a', this.a);
    put('n', this.n);
    put('e', this.e);
    put('x', this.x);
    put('b', this.b);
    put('p', this.p);
    put('q', this.q);
    put('s', this.s);
    put('m', this.m);
    put('h', this.h);
    put('k', this.k);
    if (this.codes) for (const [code, count] of this.codes) put(codeName(code), count);
    if (extra !== '') out += `,${extra}`;
    return `{${out.slice(1)}}`;
  }

  static of(counters: Readonly<Record<string, unknown>>): WindowCounters {
    const out = new WindowCounters();
    for (const name in counters) {
      const value = counters[name];
      if (typeof value === 'number') out.add(name, value);
    }
    return out;
  }
}
