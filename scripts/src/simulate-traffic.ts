import type { Cdr, Payment } from '@callwatch/schemas';
import type { InputEvent } from '@callwatch/windows';
import { HEALTHY, makeCall, type CallConditions, type CallRequest } from './simulate-calls';
import { EventQueue } from './simulate-event-queue';
import { between, poisson, seededRandom, weighted, type Random } from './simulate-random';
import { isActive, type Scenario } from './simulate-scenarios';
import { accountSnapshots, buildWorld, type Customer, type World } from './simulate-world';

export { seededRandom, type Random } from './simulate-random';

/** TrafficProfile describes the simulated switches' customers and how well their calls complete. */
export interface TrafficProfile {
  customers: number;
  /** mean answer-seizure ratio of healthy traffic, in percent (wholesale traffic runs 40–60%) */
  asr: number;
  /** customers whose ASR is `badAsr` all the time (a scenario makes it for a while) */
  badCustomers: string[];
  badAsr: number;
  switchId: string;
  /** every customer's opening balance instead of the simulated ones */
  balance?: number;
}

/** DEFAULT_PROFILE is healthy wholesale traffic: 20 customers at about 50% ASR. */
export const DEFAULT_PROFILE: TrafficProfile = { customers: 20, asr: 50, badCustomers: [], badAsr: 15, switchId: 'sim-sw-1' };

/** ASR_DROP_ASR is the ASR of calls under `asr-drop`, in percent. */
export const ASR_DROP_ASR = 1;
const PDD_RISE_MS = 7_500;
const FRAUD_CALLS_PER_S = 4;
const CPS_BURST_EVERY_MS = 20_000;
const PAYMENT_EVERY_MS = 30_000;
// Calls already in progress at the start: those that began this long before it, so every metric starts steady.
const WARM_START_MS = 15 * 60_000;
// Call starts older than this before the start are not sent: the aggregator would count them late.
const WARM_CALL_STARTS_MS = 4 * 60_000;
// A drain spends the balance over this share of its duration, so the alert fires well before the top-up.
const DRAIN_SHARE = 0.7;

/** TrafficOptions set up a TrafficModel. */
export interface TrafficOptions {
  profile: TrafficProfile;
  /** calls started per second by all customers together, before scenarios add theirs */
  rate: number;
  seed: number;
  startMs: number;
  scenarios?: Scenario[];
}

/** TrafficCounts says how many events of each type a model has made so far. */
export type TrafficCounts = Record<InputEvent['type'], number>;

/**
 * TrafficModel makes the events of simulated switches and billing on a clock it is given: calls start as a Poisson
 * process per customer (its share of `rate`), each sends a call start and, when it ends, its CDR; payments come now
 * and then; scheduled scenarios change one entity's calls while they last. The same seed, start and calls to `step`
 * make the same events.
 */
export class TrafficModel {
  readonly world: World;
  readonly counts: TrafficCounts = { cdr: 0, call_start: 0, payment: 0, account: 0 };
  private readonly random: Random;
  private readonly queue = new EventQueue();
  private readonly scenarios: Scenario[];
  private readonly balances = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly totalWeight: number;
  private readonly runTag: string;
  // A drain's extra calls per second, fixed when it starts from the balance then; a drain that ended has its top-up.
  private readonly drains = new Map<Scenario, number>();
  private readonly toppedUp = new Set<Scenario>();
  private clockMs: number;
  private seq = 0;

  constructor(private readonly options: TrafficOptions) {
    this.world = buildWorld(options.profile);
    this.random = seededRandom(options.seed);
    this.scenarios = options.scenarios ?? [];
    this.totalWeight = this.world.customers.reduce((sum, c) => sum + c.weight, 0);
    this.runTag = options.startMs.toString(36);
    this.clockMs = options.startMs;
    for (const c of this.world.customers) this.balances.set(c.id, c.balance);
  }

  /** start returns the first events: every account's snapshot, then the starts of the calls already in progress. */
  start(): InputEvent[] {
    const { startMs } = this.options;
    const events: InputEvent[] = accountSnapshots(this.world, startMs).map((a) => ({ type: 'account', ...a }));
    // The past had no scenarios: a scenario at +0 changes the calls of the run, not those already in progress.
    const past = this.conditions(-1);
    for (const customer of this.world.customers) {
      const count = poisson(this.random, this.rateOf(customer) * (WARM_START_MS / 1000));
      for (let i = 0; i < count; i++) {
        const at = startMs - Math.floor(this.random() * WARM_START_MS);
        const { cdr } = makeCall(this.world, this.random, past, this.request(customer, at));
        // Calls that ended before the start are history: only those still in progress belong to this run.
        if (cdr.end_ms <= startMs) continue;
        this.schedule(cdr, cdr.start_ms >= startMs - WARM_CALL_STARTS_MS);
      }
    }
    return [...events, ...this.queue.popUntil(startMs)].map((e) => this.counted(e));
  }

  /** step moves the clock to `toMs` and returns the events of the time passed, in event-time order. */
  step(toMs: number): InputEvent[] {
    const fromMs = this.clockMs;
    if (toMs <= fromMs) return [];
    const elapsed = fromMs - this.options.startMs;
    const conditions = this.conditions(elapsed);
    const seconds = (toMs - fromMs) / 1000;
    for (const customer of this.world.customers) {
      for (let n = poisson(this.random, this.rateOf(customer) * seconds); n > 0; n--) {
        this.call(conditions, this.request(customer, between(this.random, fromMs, toMs)));
      }
    }
    for (const s of this.scenarios) this.scenarioCalls(s, conditions, fromMs, toMs);
    for (let n = poisson(this.random, (toMs - fromMs) / PAYMENT_EVERY_MS); n > 0; n--) this.payment(Math.floor(between(this.random, fromMs, toMs)));
    this.clockMs = toMs;
    return this.queue.popUntil(toMs).map((e) => this.counted(e));
  }

  /** balanceOf is a customer's balance as billing would have it: its opening balance, plus payments, minus the charges of its CDRs so far. */
  balanceOf(customerId: string): number {
    return this.balances.get(customerId) ?? 0;
  }

  // The calls a scenario adds (the changes to everyday calls are in conditions()), and a drain's top-up at its end.
  private scenarioCalls(s: Scenario, conditions: CallConditions, fromMs: number, toMs: number): void {
    const elapsedFrom = fromMs - this.options.startMs;
    const elapsedTo = toMs - this.options.startMs;
    const seconds = (toMs - fromMs) / 1000;
    const customer = s.kind === 'customer' ? this.customer(s.id) : undefined;
    if (s.name === 'balance-drain' && customer && elapsedTo > s.startMs + s.durationMs && elapsedFrom <= s.startMs + s.durationMs && !this.toppedUp.has(s)) {
      this.toppedUp.add(s);
      this.topUp(customer, this.options.startMs + s.startMs + s.durationMs);
    }
    if (!isActive(s, elapsedFrom)) return;
    if (s.name === 'fraud-burst' && customer) {
      for (let n = poisson(this.random, FRAUD_CALLS_PER_S * seconds); n > 0; n--) {
        this.call(conditions, { ...this.request(customer, between(this.random, fromMs, toMs)), destinations: 'premium', talk: 'short', answered: this.random() < 0.8 });
      }
    } else if (s.name === 'balance-drain' && customer) {
      if (!this.drains.has(s)) {
        // Spend the balance (and a tenth more) in DRAIN_SHARE of the time, on calls of about a minute to long-haul destinations.
        const balance = this.balanceOf(customer.id);
        const spend = Math.max(0, balance) * 1.1 + 20;
        this.drains.set(s, spend / ((s.durationMs * DRAIN_SHARE) / 1000) / this.drainChargePerCall());
      }
      if (elapsedFrom < s.startMs + s.durationMs * DRAIN_SHARE) {
        for (let n = poisson(this.random, (this.drains.get(s) as number) * seconds); n > 0; n--) {
          this.call(conditions, { ...this.request(customer, between(this.random, fromMs, toMs)), destinations: 'long-haul', talk: 'drain', answered: true });
        }
      }
    } else if (s.name === 'cps-spike') {
      // One burst each CPS_BURST_EVERY_MS from the start, every call of it within one second.
      const burstAt = Math.floor((elapsedTo - s.startMs) / CPS_BURST_EVERY_MS) * CPS_BURST_EVERY_MS + s.startMs;
      if (burstAt >= elapsedFrom && burstAt < elapsedTo && isActive(s, burstAt)) {
        const second = Math.floor((this.options.startMs + burstAt) / 1000) * 1000;
        // A dialer's calls: short when answered at all.
        for (let n = Math.round(this.limitOf(s).cps * 1.5); n > 0; n--) this.call(conditions, { ...this.entityRequest(s, second + Math.floor(this.random() * 900)), talk: 'short' });
      }
    } else if (s.name === 'channels-near-limit') {
      // Top the calls in progress up to 95% of the limit, reaching it in about 30 s.
      const target = Math.round(this.limitOf(s).channels * 0.95);
      const missing = target - (this.inFlight.get(`${s.kind}:${s.id}`) ?? 0);
      for (let n = Math.min(missing, Math.ceil((target * seconds) / 30)); n > 0; n--) {
        this.call(conditions, { ...this.entityRequest(s, between(this.random, fromMs, toMs)), talk: 'long', answered: true });
      }
    }
  }

  // The conditions of everyday calls at `elapsedMs`: asr-drop, pdd-rise and carrier-outage, where they are in force.
  private conditions(elapsedMs: number): CallConditions {
    const active = this.scenarios.filter((s) => isActive(s, elapsedMs));
    const bad = new Set(this.options.profile.badCustomers);
    if (active.length === 0 && bad.size === 0) return HEALTHY;
    const hits = (name: Scenario['name'], customer: Customer, carrier: string) =>
      active.some((s) => s.name === name && (s.kind === 'customer' ? s.id === customer.id : s.id === carrier));
    return {
      asrOf: (c, carrier) => (hits('asr-drop', c, carrier) ? ASR_DROP_ASR : bad.has(c.id) ? this.options.profile.badAsr : c.asr),
      pddMedianMsOf: (c, carrier) => (hits('pdd-rise', c, carrier) ? PDD_RISE_MS : HEALTHY.pddMedianMsOf(c, carrier)),
      isDown: (carrier) => active.some((s) => s.name === 'carrier-outage' && s.id === carrier),
    };
  }

  // Makes a call and queues its events; a call whose carrier is down is retried on the last-resort carrier right after.
  private call(conditions: CallConditions, req: CallRequest): void {
    const made = makeCall(this.world, this.random, conditions, req);
    this.schedule(made.cdr, true);
    if (made.failedOver && this.random() < 0.8) {
      const retry = this.request(req.customer, made.cdr.end_ms + 200);
      this.call(conditions, { ...req, ...retry, carrier: this.world.lastResort, destination: made.destination });
    }
  }

  private schedule(cdr: Cdr, withStart: boolean): void {
    if (withStart) this.queue.push(cdr.start_ms, { type: 'call_start', call_id: cdr.call_id as string, customer_id: cdr.customer_id, carrier_id: cdr.carrier_id, start_ms: cdr.start_ms });
    this.queue.push(cdr.end_ms, { type: 'cdr', ...cdr });
    this.addInFlight(cdr, 1);
  }

  private payment(atMs: number): void {
    const prepaid = this.world.customers.filter((c) => c.debitLimit === null);
    if (prepaid.length === 0) return;
    const customer = prepaid[Math.floor(this.random() * prepaid.length)] as Customer;
    const payment: Payment = {
      payment_id: `pay-${this.runTag}-${this.seq++}`,
      customer_id: customer.id,
      amount: weighted(this.random, [[50, 2], [100, 4], [200, 3], [250, 2], [500, 2], [1000, 1]]),
      status: weighted(this.random, [['completed', 92], ['pending', 5], ['cancelled', 3]] as const),
      source: weighted(this.random, [['portal', 55], ['gateway', 25], ['bank', 12], ['admin', 8]]),
      at_ms: atMs,
    };
    this.queue.push(atMs, { type: 'payment', ...payment });
  }

  // A drained customer tops up through the payment gateway: back above where it started, and 200 more.
  private topUp(customer: Customer, atMs: number): void {
    const missing = Math.max(0, customer.balance - this.balanceOf(customer.id));
    const amount = Math.ceil(missing / 50) * 50 + 200;
    this.queue.push(atMs, { type: 'payment', payment_id: `pay-${this.runTag}-${this.seq++}`, customer_id: customer.id, amount, status: 'completed', source: 'gateway', at_ms: atMs });
  }

  private counted(event: InputEvent): InputEvent {
    this.counts[event.type]++;
    if (event.type === 'cdr') {
      this.addInFlight(event, -1);
      this.balances.set(event.customer_id, (this.balances.get(event.customer_id) ?? 0) - event.charge);
    } else if (event.type === 'payment' && event.status === 'completed') {
      this.balances.set(event.customer_id, (this.balances.get(event.customer_id) ?? 0) + event.amount);
    }
    return event;
  }

  private addInFlight(cdr: Cdr, by: number): void {
    for (const key of [`customer:${cdr.customer_id}`, `carrier:${cdr.carrier_id}`]) this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + by);
  }

  private request(customer: Customer, startMs: number): CallRequest {
    const n = this.seq++;
    return { customer, startMs: Math.floor(startMs), callId: `call-${this.runTag}-${n}`, cdrId: `${this.options.profile.switchId}-${this.runTag}-${n}`, switchId: this.options.profile.switchId };
  }

  // A call of a scenario's entity: its own, or, for a carrier, one of a customer picked by volume and sent through it.
  private entityRequest(s: Scenario, startMs: number): CallRequest {
    if (s.kind === 'customer') return this.request(this.customer(s.id) as Customer, startMs);
    const customer = weighted(this.random, this.world.customers.map((c) => [c, c.weight] as const));
    return { ...this.request(customer, startMs), carrier: s.id };
  }

  private limitOf(s: Scenario): { cps: number; channels: number } {
    const entity = s.kind === 'customer' ? this.customer(s.id) : this.world.carriers.find((c) => c.id === s.id);
    return { cps: entity?.cpsLimit ?? 0, channels: entity?.channelsLimit ?? 0 };
  }

  private customer(id: string): Customer | undefined {
    return this.world.customers.find((c) => c.id === id);
  }

  private rateOf(customer: Customer): number {
    return (this.options.rate * customer.weight) / this.totalWeight;
  }

  // Drain calls talk 30–90 s, a minute on average: they cost about the long-haul destinations' mean rate per minute.
  private drainChargePerCall(): number {
    const longHaul = this.world.destinations.filter((d) => d.kind === 'long-haul');
    return longHaul.reduce((sum, d) => sum + d.ratePerMin * d.weight, 0) / longHaul.reduce((sum, d) => sum + d.weight, 0);
  }
}

/** customerIds lists the simulated customers' ids: the bad ones first, then the named ones, then cust-016… */
export function customerIds(profile: TrafficProfile): string[] {
  return buildWorld(profile).customers.map((c) => c.id);
}

const worlds = new Map<string, World>();

/**
 * simulateCdr makes one CDR that ends at `endMs`, of healthy traffic (bad customers at their ASR), for a customer
 * picked at random among `customers` (the benchmarks' own ids are simulated as a standard customer).
 */
export function simulateCdr(profile: TrafficProfile, random: Random, endMs: number, seq: number, customers = customerIds(profile)): Cdr {
  const key = `${profile.customers}|${profile.asr}|${profile.badCustomers.join(',')}`;
  let world = worlds.get(key);
  if (!world) worlds.set(key, (world = buildWorld(profile)));
  const id = customers[Math.floor(random() * customers.length)] as string;
  const customer = world.customers.find((c) => c.id === id) ?? { ...(world.customers.find((c) => c.class === 'standard') as Customer), id, asr: profile.asr };
  const asr = profile.badCustomers.includes(id) ? profile.badAsr : customer.asr;
  const { cdr } = makeCall(world, random, { ...HEALTHY, asrOf: () => asr }, {
    customer, startMs: endMs, callId: `call-${endMs}-${seq}`, cdrId: `${profile.switchId}-${endMs}-${seq}`, switchId: profile.switchId,
  });
  // Made from a start; moved back so that it ends at endMs.
  const shift = cdr.end_ms - endMs;
  return { ...cdr, start_ms: cdr.start_ms - shift, answer_ms: cdr.answer_ms === null ? null : cdr.answer_ms - shift, end_ms: endMs };
}
