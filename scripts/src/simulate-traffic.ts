import type { Cdr } from '@callwatch/schemas';

/** TrafficProfile describes the simulated switches: customers, carriers, and how well calls complete. */
export interface TrafficProfile {
  customers: number;
  carriers: number;
  /** Answer-seizure ratio of healthy traffic, in percent (wholesale traffic runs 40–60%). */
  asr: number;
  /** Customers whose ASR is `badAsr` instead: these are the ones alerts should fire for. */
  badCustomers: string[];
  badAsr: number;
  switchId: string;
}

/** DEFAULT_PROFILE is healthy wholesale traffic with one customer whose calls mostly fail. */
export const DEFAULT_PROFILE: TrafficProfile = { customers: 20, carriers: 5, asr: 50, badCustomers: ['acme'], badAsr: 15, switchId: 'sim-sw-1' };

const FAILURE_CODES = [486, 480, 487, 404, 503, 408, 403, 603];

/** Random is a source of numbers in [0, 1); seeded in tests so traffic is reproducible. */
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

/** customerIds lists the simulated customers: the bad ones first, then cust-001 … */
export function customerIds(profile: TrafficProfile): string[] {
  const ids = [...profile.badCustomers];
  for (let i = 1; ids.length < profile.customers; i++) ids.push(`cust-${String(i).padStart(3, '0')}`);
  return ids;
}

/** simulateCdr makes one realistic CDR that ends at `endMs`, for a customer picked at random. */
export function simulateCdr(profile: TrafficProfile, random: Random, endMs: number, seq: number, customers = customerIds(profile)): Cdr {
  const customer = customers[Math.floor(random() * customers.length)] as string;
  const asr = profile.badCustomers.includes(customer) ? profile.badAsr : profile.asr;
  const answered = random() * 100 < asr;
  const pdd = 800 + Math.floor(random() * 3000);
  const talkMs = answered ? 5_000 + Math.floor(random() * 180_000) : 0;
  const startMs = endMs - talkMs - pdd;
  const ratePerMin = 0.01 + Math.round(random() * 100) / 10_000;
  const charge = answered ? Math.round((talkMs / 60_000) * ratePerMin * 10_000) / 10_000 : 0;
  return {
    cdr_id: `${profile.switchId}-${endMs}-${seq}`,
    switch_id: profile.switchId,
    customer_id: customer,
    carrier_id: `carrier-${1 + Math.floor(random() * profile.carriers)}`,
    call_id: `call-${endMs}-${seq}`,
    start_ms: startMs,
    answer_ms: answered ? startMs + pdd : null,
    end_ms: endMs,
    sip_code: answered ? 200 : (FAILURE_CODES[Math.floor(random() * FAILURE_CODES.length)] as number),
    pdd_ms: pdd,
    caller: `1555${String(Math.floor(random() * 1e7)).padStart(7, '0')}`,
    callee: `44${String(Math.floor(random() * 1e9)).padStart(9, '0')}`,
    destination: '44',
    charge,
    cost: answered ? Math.round(charge * 0.8 * 10_000) / 10_000 : 0,
    currency: 'USD',
  };
}
