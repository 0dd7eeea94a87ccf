import type { Cdr } from '@callwatch/schemas';
import { validateEvent, type InputEvent } from '@callwatch/windows';
import { parseScenario } from './simulate-scenarios';
import { DEFAULT_PROFILE, TrafficModel, customerIds, seededRandom, simulateCdr, type TrafficOptions } from './simulate-traffic';

const START = Date.parse('2026-03-02T10:00:00Z');
const MINUTE = 60_000;

// Runs a model for `minutes` in one-second steps and returns every event it made.
function run(options: Partial<TrafficOptions> & { minutes: number }): { events: InputEvent[]; model: TrafficModel } {
  const model = new TrafficModel({ profile: DEFAULT_PROFILE, rate: 50, seed: 1, startMs: START, ...options });
  const events = model.start();
  for (let t = START + 1000; t <= START + options.minutes * MINUTE; t += 1000) events.push(...model.step(t));
  return { events, model };
}

const cdrsOf = (events: InputEvent[]) => events.filter((e): e is Extract<InputEvent, { type: 'cdr' }> => e.type === 'cdr');
const asr = (cdrs: Cdr[]) => (cdrs.filter((c) => c.answer_ms !== null).length / cdrs.length) * 100;

describe('simulated traffic', () => {
  it('is the same for the same seed, and different for another', () => {
    const scenarios = [parseScenario('asr-drop:customer:acme@+30s/1m'), parseScenario('balance-drain:customer:globex@+0s/1m')];
    const a = run({ minutes: 2, seed: 7, scenarios }).events;
    expect(a.length).toBeGreaterThan(5000);
    expect(run({ minutes: 2, seed: 7, scenarios }).events).toEqual(a);
    expect(run({ minutes: 2, seed: 8, scenarios }).events).not.toEqual(a);
  });

  it('sends valid events in event-time order, starting with every account and holding no CDR before its call start', () => {
    const { events } = run({ minutes: 3 });
    const accounts = events.filter((e) => e.type === 'account');
    expect(events.slice(0, accounts.length)).toEqual(accounts);
    expect(accounts.map((a) => a.type === 'account' && a.entity)).toEqual([
      ...customerIds(DEFAULT_PROFILE).map((id) => `customer:${id}`),
      'carrier:northwind', 'carrier:bluewave', 'carrier:atlas-voice', 'carrier:pacific-link', 'carrier:meridian',
    ]);
    const acme = accounts[0] as Extract<InputEvent, { type: 'account' }>;
    expect(acme).toMatchObject({ name: 'ACME Telecom', class: 'gold', status: 'active', emails: ['noc@acme.example', 'billing@acme.example'] });
    const timeOf = (e: InputEvent) => (e.type === 'cdr' ? e.end_ms : e.type === 'call_start' ? e.start_ms : e.at_ms);
    const later = events.slice(accounts.length);
    expect(later.filter((e, i) => i > 0 && timeOf(e) < timeOf(later[i - 1] as InputEvent))).toEqual([]);
    expect(events.flatMap((e) => validateEvent(e) ?? [])).toEqual([]);
  });

  it('pairs each call start with its CDR by call_id: same call, start before end', () => {
    const { events } = run({ minutes: 3, scenarios: [parseScenario('carrier-outage:carrier:bluewave@+0s/2m')] });
    const starts = new Map<string, Extract<InputEvent, { type: 'call_start' }>>();
    const problems: string[] = [];
    let paired = 0;
    for (const e of events) {
      if (e.type === 'call_start') {
        if (starts.has(e.call_id)) problems.push(`${e.call_id}: two call starts`);
        starts.set(e.call_id, e);
      } else if (e.type === 'cdr') {
        const start = starts.get(e.call_id as string);
        // Only calls that started long before the run (older than the aggregator's lateness) come without one.
        if (!start) {
          if (e.start_ms >= START - 4 * MINUTE) problems.push(`${e.call_id}: a CDR without its call start`);
          continue;
        }
        paired++;
        if (start.customer_id !== e.customer_id || start.carrier_id !== e.carrier_id || start.start_ms !== e.start_ms) problems.push(`${e.call_id}: call start and CDR differ`);
        starts.delete(e.call_id as string);
      }
    }
    expect(problems).toEqual([]);
    expect(paired).toBeGreaterThan(5000);
    // What is left is in progress at the end: a call of at most 2 hours.
    expect([...starts.values()].filter((start) => start.start_ms < START + 3 * MINUTE - 2 * 3_600_000)).toEqual([]);
  });

  it('looks like wholesale traffic: SIP codes, PDD, durations, destinations and money', () => {
    const cdrs = cdrsOf(run({ minutes: 5 }).events);
    expect(asr(cdrs)).toBeGreaterThan(44);
    expect(asr(cdrs)).toBeLessThan(56);
    const share = (code: number) => (cdrs.filter((c) => c.sip_code === code).length / cdrs.length) * 100;
    // Busy, no answer and cancelled are the common failures; 503 and 404 rarer.
    expect(share(486)).toBeGreaterThan(share(503));
    expect(share(480)).toBeGreaterThan(share(404));
    expect(share(487)).toBeGreaterThan(3);
    expect(new Set(cdrs.map((c) => c.sip_code))).toEqual(new Set([200, 486, 480, 487, 603, 404, 503, 408, 484, 500, 600]));
    const pdds = cdrs.flatMap((c) => (c.pdd_ms === null ? [] : [c.pdd_ms])).sort((a, b) => a - b);
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] as number;
    expect(median(pdds)).toBeGreaterThan(1_400);
    expect(median(pdds)).toBeLessThan(2_300);
    const talk = cdrs.flatMap((c) => (c.answer_ms === null ? [] : [(c.end_ms - c.answer_ms) / 1000])).sort((a, b) => a - b);
    expect(median(talk)).toBeGreaterThan(40);
    expect(median(talk)).toBeLessThan(90);
    expect(talk[talk.length - 1]).toBeGreaterThan(600);
    expect(cdrs.filter((c) => !c.callee.startsWith(c.destination as string))).toEqual([]);
    expect(cdrs.filter((c) => c.answer_ms === null && (c.charge !== 0 || c.cost !== 0))).toEqual([]);
    // Every route but the last resort earns money on an answered call.
    const answered = cdrs.filter((c) => c.answer_ms !== null && c.end_ms - c.answer_ms >= 10_000 && c.carrier_id !== 'meridian');
    expect(answered.length).toBeGreaterThan(1000);
    expect(answered.filter((c) => c.charge <= (c.cost as number))).toEqual([]);
    expect(new Set(cdrs.map((c) => c.destination)).size).toBeGreaterThan(12);
  });

  it('asr-drop lowers the ASR of its entity and of nobody else, and it recovers', () => {
    const scenarios = [parseScenario('asr-drop:customer:initech@+2m/3m')];
    const healthy = cdrsOf(run({ minutes: 7 }).events);
    const dropped = cdrsOf(run({ minutes: 7, scenarios }).events);
    const started = (cdrs: Cdr[], id: string, from: number, to: number) => cdrs.filter((c) => c.customer_id === id && c.start_ms >= START + from * MINUTE && c.start_ms < START + to * MINUTE);
    expect(asr(started(dropped, 'initech', 2, 5))).toBeLessThan(3);
    expect(asr(started(healthy, 'initech', 2, 5))).toBeGreaterThan(40);
    expect(asr(started(dropped, 'initech', 5, 7))).toBeGreaterThan(40);
    for (const other of ['acme', 'globex', 'hooli']) expect(Math.abs(asr(started(dropped, other, 2, 5)) - asr(started(healthy, other, 2, 5)))).toBeLessThan(6);
  });

  it('carrier-outage fails the carrier and retries its calls on the last resort, at a loss', () => {
    const cdrs = cdrsOf(run({ minutes: 4, scenarios: [parseScenario('carrier-outage:carrier:bluewave@+1m/2m')] }).events);
    const during = cdrs.filter((c) => c.start_ms >= START + MINUTE + 1000 && c.start_ms < START + 3 * MINUTE);
    const bluewave = during.filter((c) => c.carrier_id === 'bluewave');
    expect(bluewave.length).toBeGreaterThan(500);
    expect(bluewave.every((c) => [503, 502, 500, 408].includes(c.sip_code))).toBe(true);
    const retried = during.filter((c) => c.carrier_id === 'meridian' && c.answer_ms !== null && ['1', '44', '447', '33', '336'].includes(c.destination as string));
    expect(retried.length).toBeGreaterThan(100);
    expect(retried.filter((c) => (c.cost as number) <= c.charge)).toEqual([]);
  });

  it('balance-drain spends the balance, then a gateway payment tops it up', () => {
    const { events, model } = run({ minutes: 5, scenarios: [parseScenario('balance-drain:customer:globex@+30s/3m')] });
    // The balance as the aggregator keeps it: the opening 150, plus completed payments, minus charges, in event order.
    let balance = 150;
    let lowest = balance;
    let topUp: Extract<InputEvent, { type: 'payment' }> | undefined;
    for (const e of events) {
      if (e.type === 'cdr' && e.customer_id === 'globex') balance -= e.charge;
      if (e.type === 'payment' && e.customer_id === 'globex' && e.status === 'completed') {
        balance += e.amount;
        if (e.at_ms === START + 210_000) topUp = e;
      }
      if (!topUp) lowest = Math.min(lowest, balance);
    }
    expect(topUp).toMatchObject({ source: 'gateway', status: 'completed' });
    expect(lowest).toBeLessThan(20);
    expect(balance).toBeGreaterThan(100);
    expect(model.balanceOf('globex')).toBeCloseTo(balance, 6);
    // Every payment names where it came from.
    expect(new Set(events.flatMap((e) => (e.type === 'payment' ? [e.source] : []))).size).toBeGreaterThan(1);
  });

  it('fraud-burst, cps-spike and channels-near-limit change their entity as they say', () => {
    const scenarios = ['fraud-burst:customer:umbrella@+0s/2m', 'cps-spike:customer:initech@+0s/1m', 'channels-near-limit:customer:hooli@+0s/3m'].map((s) => parseScenario(s));
    const { events } = run({ minutes: 3, scenarios });
    const cdrs = cdrsOf(events);
    const premium = cdrs.filter((c) => c.customer_id === 'umbrella' && ['881', '882', '252', '690'].includes(c.destination as string));
    expect(premium.length).toBeGreaterThan(300);
    expect(cdrs.filter((c) => c.customer_id !== 'umbrella' && ['881', '882', '252', '690'].includes(c.destination as string))).toEqual([]);
    const perSecond = new Map<number, number>();
    for (const e of events) if (e.type === 'call_start' && e.customer_id === 'initech') perSecond.set(Math.floor(e.start_ms / 1000), (perSecond.get(Math.floor(e.start_ms / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeGreaterThanOrEqual(45);
    // Calls in progress, counted from the call starts and CDRs as the aggregator counts channels.
    const open = new Set<string>();
    let most = 0;
    for (const e of events) {
      if (e.type === 'call_start' && e.customer_id === 'hooli') open.add(e.call_id);
      if (e.type === 'cdr' && e.customer_id === 'hooli') open.delete(e.call_id as string);
      most = Math.max(most, open.size);
    }
    // 95% of the standard class's 300 channels, give or take the calls that end and start in one step.
    expect(most).toBeGreaterThanOrEqual(280);
    expect(most).toBeLessThanOrEqual(300);
  });

  it('makes single CDRs for the benchmarks, ending when asked', () => {
    const random = seededRandom(3);
    const cdrs = Array.from({ length: 500 }, (_, i) => simulateCdr({ ...DEFAULT_PROFILE, badCustomers: ['x'], badAsr: 0 }, random, START, i, ['x']));
    expect(cdrs.filter((c) => c.end_ms !== START || c.customer_id !== 'x' || c.answer_ms !== null || validateEvent({ type: 'cdr', ...c }) !== null)).toEqual([]);
    const healthy = Array.from({ length: 2000 }, (_, i) => simulateCdr(DEFAULT_PROFILE, random, START, i));
    expect(asr(healthy)).toBeGreaterThan(40);
    expect(healthy.filter((c) => c.end_ms !== START || validateEvent({ type: 'cdr', ...c }) !== null)).toEqual([]);
  });
});
