import { seededRandom, type Random } from '@callwatch/cli';
import type { Account, Cdr, Payment } from '@callwatch/schemas';
import { zipfCdrs } from './cdr-traffic';
import { zipfSampler } from './zipf';

/**
 * TIPPING is the rule the CDR→alert latency is measured on: low ASR over 5 minutes for every customer. Its
 * `min_attempts` is what makes the tipping CDR known: a customer with an empty window whose calls all fail has no
 * data until its 30th attempt, and an ASR of 0 (fired) from that one on.
 */
export const TIPPING = { id: 'soak-tipping', threshold: 15, resetThreshold: 40, minAttempts: 30, periodMs: 5 * 60_000 } as const;

/**
 * SPELL is the shape of one bad spell of a customer kept out of the Zipf traffic: failed calls, a pause, answered
 * calls until the alert resets, then quiet for longer than the rule's window, so the next spell starts empty again.
 * The pause keeps the failed and the answered calls out of one aggregator batch (one snapshot), which would hide the fire.
 */
export const SPELL = { failed: 40, failedMs: 30_000, pauseMs: 30_000, answered: 60, answeredMs: 30_000, quietMs: 6 * 60_000, everyMs: 3_000 } as const;

/** answeredToReset is how many answered calls after `failed` failed ones lift the ASR above `resetThreshold` (the reset's tipping CDR). */
export function answeredToReset(failed: number, resetThreshold: number): number {
  let answered = 1;
  while ((answered * 100) / (failed + answered) <= resetThreshold) answered++;
  return answered;
}

/** Spell is one customer's bad spell: when it started, when its tipping CDRs were published, when its alerts were read. */
export interface Spell {
  entity: string;
  startMs: number;
  failedSent: number;
  answeredSent: number;
  /** when the CDR that makes the rule fire (the `min_attempts`-th failed one) was published */
  firedTipMs: number | null;
  /** when the answered CDR that lifts the ASR above the reset threshold was published */
  resetTipMs: number | null;
  firedReadMs: number | null;
  resetReadMs: number | null;
}

const SPELL_MS = SPELL.failedMs + SPELL.pauseMs + SPELL.answeredMs;
const RESET_AT = answeredToReset(SPELL.failed, TIPPING.resetThreshold);
/** The share of customers kept for bad spells. */
const POOL_SHARE = 0.02;
/** Carriers the calls go through (Zipf-skewed, as in the other benchmarks). */
const CARRIERS = 200;
/** Classes the customers' accounts are spread over, for class-scoped rules. */
export const CLASSES = 12;

/**
 * SoakTraffic makes what the switches and billing publish during a soak: Zipf-skewed CDRs of most customers, and bad
 * spells of the few kept apart, whose tipping CDRs it notes as it hands them out.
 */
export class SoakTraffic {
  readonly customers: string[];
  /** the customers kept for bad spells; they call only during one */
  readonly pool: string[];
  readonly spells: Spell[] = [];
  private readonly current = new Map<string, Spell>();
  private readonly random: Random;
  private readonly nextZipf: (endMs: number) => Cdr;
  private readonly payer: () => number;
  private readonly carrier: () => number;
  private nextSpellMs: number | null = null;
  private poolTurn = 0;
  private seq = 0;

  constructor(customers: number, seed = 42) {
    this.customers = Array.from({ length: customers }, (_, i) => `cust-${i}`);
    const poolSize = Math.max(1, Math.round(customers * POOL_SHARE));
    this.pool = this.customers.slice(customers - poolSize);
    // cust-0 … the busiest; the pool is the last ids, which the Zipf traffic never draws.
    this.nextZipf = zipfCdrs({ customers: customers - poolSize, carriers: CARRIERS, seed, idPrefix: 'z' });
    this.random = seededRandom(seed + 1);
    this.payer = zipfSampler(customers - poolSize, 1.1, this.random);
    this.carrier = zipfSampler(CARRIERS, 1.1, this.random);
  }

  /** zipfCdrs makes `count` CDRs of the Zipf-skewed customers, each ending at `endMs`. */
  zipfCdrs(count: number, endMs: number): Cdr[] {
    return Array.from({ length: count }, () => this.nextZipf(endMs));
  }

  /**
   * spellCdrs starts the spells due by `nowMs` (one every SPELL.everyMs from its first call, while a pool customer is
   * free) and hands out every spell CDR due by then, ending at `nowMs`: the caller publishes them at once, so `nowMs`
   * is when the tipping CDRs among them were published.
   */
  spellCdrs(nowMs: number): Cdr[] {
    for (this.nextSpellMs ??= nowMs; this.nextSpellMs <= nowMs; this.nextSpellMs += SPELL.everyMs) this.startSpell(nowMs);
    const cdrs: Cdr[] = [];
    for (const spell of this.current.values()) {
      const since = nowMs - spell.startMs;
      const failedDue = Math.min(SPELL.failed, Math.floor((since * SPELL.failed) / SPELL.failedMs) + 1);
      for (; spell.failedSent < failedDue; spell.failedSent++) {
        cdrs.push(this.spellCdr(spell.entity, nowMs, false));
        if (spell.failedSent + 1 === TIPPING.minAttempts) spell.firedTipMs = nowMs;
      }
      const answeredSince = since - SPELL.failedMs - SPELL.pauseMs;
      const answeredDue = answeredSince < 0 ? 0 : Math.min(SPELL.answered, Math.floor((answeredSince * SPELL.answered) / SPELL.answeredMs) + 1);
      for (; spell.answeredSent < answeredDue; spell.answeredSent++) {
        cdrs.push(this.spellCdr(spell.entity, nowMs, true));
        if (spell.answeredSent + 1 === RESET_AT) spell.resetTipMs = nowMs;
      }
    }
    return cdrs;
  }

  /** spellOf is the spell an entity is in (or was in last), for matching the alerts read back. */
  spellOf(entity: string): Spell | undefined {
    return this.current.get(entity);
  }

  private startSpell(nowMs: number): void {
    // Round robin: the customer whose turn it is must have been quiet for SPELL.quietMs since its last spell ended.
    const entity = `customer:${this.pool[this.poolTurn % this.pool.length]}`;
    const last = this.current.get(entity);
    if (last !== undefined && nowMs < last.startMs + SPELL_MS + SPELL.quietMs) return;
    this.poolTurn++;
    const spell: Spell = { entity, startMs: nowMs, failedSent: 0, answeredSent: 0, firedTipMs: null, resetTipMs: null, firedReadMs: null, resetReadMs: null };
    this.current.set(entity, spell);
    this.spells.push(spell);
  }

  private spellCdr(entity: string, endMs: number, answered: boolean): Cdr {
    const seq = this.seq++;
    const pdd = 1_000 + Math.floor(this.random() * 2_000);
    const talkMs = answered ? 30_000 + Math.floor(this.random() * 60_000) : 0;
    const startMs = endMs - talkMs - pdd;
    const charge = answered ? Math.round((talkMs / 60_000) * 0.015 * 10_000) / 10_000 : 0;
    return {
      cdr_id: `s${seq}`, switch_id: 'soak-sw', customer_id: entity.slice('customer:'.length), carrier_id: `carrier-${this.carrier()}`,
      call_id: `s${seq}`, start_ms: startMs, answer_ms: answered ? startMs + pdd : null, end_ms: endMs,
      // A broken route: the far end is unavailable.
      sip_code: answered ? 200 : 503, pdd_ms: pdd, caller: '15550000000', callee: `44${String(seq).padStart(9, '0')}`, destination: '44',
      charge, cost: answered ? Math.round(charge * 0.8 * 10_000) / 10_000 : 0, currency: 'USD',
    };
  }

  /** accounts are every customer's account snapshot: a class each (for class-scoped rules) and a prepaid balance of 100. */
  accounts(atMs: number): Account[] {
    return this.customers.map((id, i) => ({
      entity: `customer:${id}`, name: `Customer ${i}`, class: `class-${i % CLASSES}`, status: 'active', balance: 100, debit_limit: null,
      currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: atMs,
    }));
  }

  /** payment is a completed top-up of a Zipf-skewed customer (busy customers pay more often), as billing publishes them. */
  payment(atMs: number): Payment {
    const seq = this.seq++;
    return { payment_id: `p${seq}`, customer_id: `cust-${this.payer()}`, amount: 50, status: 'completed', source: 'gateway', at_ms: atMs };
  }
}
