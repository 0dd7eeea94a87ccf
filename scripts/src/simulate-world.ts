import { entityKey } from '@callwatch/core';
import type { Account } from '@callwatch/schemas';

/** Route is one carrier that terminates a destination, with its share of the calls and its cost per minute. */
export interface Route {
  carrier: string;
  /** share of the destination's calls the least-cost routing gives it; 0 for the last resort */
  share: number;
  costPerMin: number;
}

/**
 * Destination is a dialled prefix with the rate customers pay per minute and the carriers that terminate it.
 * `regular` destinations carry everyday traffic, `long-haul` ones are rare and dear, `premium` ones are the
 * international revenue share numbers fraudsters call.
 */
export interface Destination {
  prefix: string;
  name: string;
  kind: 'regular' | 'long-haul' | 'premium';
  /** share of everyday calls */
  weight: number;
  ratePerMin: number;
  /** digits after the prefix in a number of this destination */
  numberDigits: number;
  routes: Route[];
}

/** Customer is a simulated switch customer: its volume, its answer rate, its account and its contract limits. */
export interface Customer {
  id: string;
  name: string;
  /** `gold` customers are large postpaid accounts; `standard` ones are small and prepaid */
  class: 'gold' | 'standard';
  /** share of the calls (the rate is split by weight) */
  weight: number;
  /** answer-seizure ratio of its healthy traffic, in percent */
  asr: number;
  balance: number;
  debitLimit: number | null;
  cpsLimit: number;
  channelsLimit: number;
  timezone: string;
  locale: string;
}

/** Carrier is a simulated terminating carrier. */
export interface Carrier {
  id: string;
  name: string;
  cpsLimit: number;
  channelsLimit: number;
}

/** World is everything the traffic model draws from. */
export interface World {
  customers: Customer[];
  carriers: Carrier[];
  destinations: Destination[];
  /** the carrier the switch falls back to when a destination's carriers fail: dear, so a route through it loses money */
  lastResort: string;
}

/** The contract limits of each class: what `cps-spike` and `channels-near-limit` push an entity towards. */
export const CLASS_LIMITS = { gold: { cps: 150, channels: 2000 }, standard: { cps: 30, channels: 300 } } as const;

const CARRIERS: Carrier[] = [
  { id: 'northwind', name: 'Northwind Voice', cpsLimit: 300, channelsLimit: 6000 },
  { id: 'bluewave', name: 'BlueWave Telecom', cpsLimit: 300, channelsLimit: 6000 },
  { id: 'atlas-voice', name: 'Atlas Voice', cpsLimit: 300, channelsLimit: 6000 },
  { id: 'pacific-link', name: 'Pacific Link', cpsLimit: 300, channelsLimit: 6000 },
  { id: 'meridian', name: 'Meridian Premium Routes', cpsLimit: 300, channelsLimit: 6000 },
];

const LAST_RESORT = 'meridian';

// prefix, name, kind, weight, rate per minute, digits after the prefix, then carrier:share:cost routes. The last
// resort carries no share of a destination it is not listed for, at twice the rate (see buildWorld).
const DESTINATIONS: Array<[string, string, Destination['kind'], number, number, number, string]> = [
  ['1', 'United States and Canada', 'regular', 30, 0.01, 10, 'northwind:60:0.0045 bluewave:40:0.005'],
  ['44', 'United Kingdom', 'regular', 8, 0.012, 10, 'bluewave:70:0.006 atlas-voice:30:0.007'],
  ['447', 'United Kingdom mobile', 'regular', 8, 0.03, 9, 'bluewave:50:0.018 atlas-voice:50:0.02'],
  ['49', 'Germany', 'regular', 5, 0.014, 10, 'atlas-voice:60:0.007 northwind:40:0.008'],
  ['4917', 'Germany mobile', 'regular', 5, 0.045, 8, 'atlas-voice:100:0.03'],
  ['33', 'France', 'regular', 4, 0.015, 9, 'bluewave:100:0.008'],
  ['336', 'France mobile', 'regular', 4, 0.04, 8, 'bluewave:60:0.025 atlas-voice:40:0.027'],
  ['52', 'Mexico', 'regular', 6, 0.022, 10, 'pacific-link:70:0.012 northwind:30:0.014'],
  ['91', 'India', 'regular', 8, 0.018, 10, 'pacific-link:100:0.01'],
  ['63', 'Philippines', 'regular', 3, 0.12, 10, 'pacific-link:100:0.08'],
  ['234', 'Nigeria', 'regular', 3, 0.11, 10, 'atlas-voice:100:0.075'],
  ['880', 'Bangladesh', 'regular', 3, 0.03, 10, 'meridian:100:0.021'],
  ['86', 'China', 'regular', 3, 0.012, 11, 'meridian:100:0.008'],
  ['55', 'Brazil', 'regular', 4, 0.02, 11, 'meridian:60:0.013 pacific-link:40:0.014'],
  ['53', 'Cuba', 'long-haul', 0.3, 0.95, 8, 'pacific-link:100:0.7'],
  ['675', 'Papua New Guinea', 'long-haul', 0.1, 1.35, 8, 'atlas-voice:100:1.0'],
  ['682', 'Cook Islands', 'long-haul', 0.1, 1.25, 5, 'atlas-voice:100:0.9'],
  ['881', 'Global Mobile Satellite', 'premium', 0, 4.5, 9, 'atlas-voice:100:3.9'],
  ['882', 'International Networks', 'premium', 0, 3.8, 9, 'atlas-voice:100:3.2'],
  ['252', 'Somalia', 'premium', 0, 1.6, 8, 'pacific-link:100:1.2'],
  ['690', 'Tokelau', 'premium', 0, 2.9, 5, 'pacific-link:100:2.4'],
];

// id, name, class, weight, balance: the named customers; more are cust-016, cust-017… (standard, weight 1).
const CUSTOMERS: Array<[string, string, Customer['class'], number, number]> = [
  ['acme', 'ACME Telecom', 'gold', 20, -3200],
  ['globex', 'Globex Communications', 'standard', 1.8, 150],
  ['initech', 'Initech Voice', 'standard', 1.5, 1800],
  ['umbrella', 'Umbrella Networks', 'standard', 1.5, 2400],
  ['hooli', 'Hooli Connect', 'standard', 1.5, 1500],
  ['soylent', 'Soylent Telecom', 'gold', 12, 1200],
  ['stark', 'Stark Carrier Services', 'gold', 10, -800],
  ['wayne', 'Wayne Tel', 'gold', 8, 4500],
  ['wonka', 'Wonka Mobile', 'standard', 1.5, 900],
  ['tyrell', 'Tyrell Tel', 'standard', 1.2, 1300],
  ['cyberdyne', 'Cyberdyne Calls', 'standard', 1.2, 700],
  ['oscorp', 'Oscorp Voice', 'standard', 1.2, 2100],
  ['vandelay', 'Vandelay Industries', 'standard', 1, 600],
  ['dunder', 'Dunder Mifflin Paper', 'standard', 1, 1100],
  ['massive', 'Massive Dynamic', 'standard', 1, 3000],
];

const ZONES: Array<[string, string]> = [['Europe/London', 'en-GB'], ['America/New_York', 'en-US'], ['Europe/Berlin', 'de-DE'], ['Asia/Kolkata', 'en-IN']];

/**
 * buildWorld makes the simulated customers, carriers and destinations. `badCustomers` come first (added when
 * they are not named ones); each customer's ASR is `asr` give or take 4 points, so no two look alike.
 */
export function buildWorld({ customers, asr, balance, badCustomers = [] }: { customers: number; asr: number; balance?: number; badCustomers?: string[] }): World {
  const named = CUSTOMERS.map(([id, name, cls, weight, opening]) => ({ id, name, cls, weight, opening }));
  const ids = [...badCustomers.filter((id) => !named.some((c) => c.id === id)), ...named.map((c) => c.id)];
  for (let i = ids.length + 1; ids.length < customers; i++) ids.push(`cust-${String(i).padStart(3, '0')}`);
  const list = ids.slice(0, Math.max(customers, badCustomers.length)).map((id, i): Customer => {
    const known = named.find((c) => c.id === id);
    const cls = known?.cls ?? 'standard';
    const [timezone, locale] = ZONES[i % ZONES.length] as [string, string];
    return {
      id,
      name: known?.name ?? id.toUpperCase(),
      class: cls,
      weight: known?.weight ?? 1,
      asr: Math.min(100, Math.max(0, asr + ((i * 7) % 9) - 4)),
      balance: balance ?? known?.opening ?? 500 + ((i * 379) % 2500),
      debitLimit: cls === 'gold' ? 20_000 : null,
      cpsLimit: CLASS_LIMITS[cls].cps,
      channelsLimit: CLASS_LIMITS[cls].channels,
      timezone,
      locale,
    };
  });
  const destinations = DESTINATIONS.map(([prefix, name, kind, weight, ratePerMin, numberDigits, routes]): Destination => {
    const parsed = routes.split(' ').map((r) => {
      const [carrier, share, cost] = r.split(':') as [string, string, string];
      return { carrier, share: Number(share), costPerMin: Number(cost) };
    });
    if (!parsed.some((r) => r.carrier === LAST_RESORT)) parsed.push({ carrier: LAST_RESORT, share: 0, costPerMin: Math.round(ratePerMin * 2 * 10_000) / 10_000 });
    return { prefix, name, kind, weight, ratePerMin, numberDigits, routes: parsed };
  });
  return { customers: list, carriers: CARRIERS, destinations, lastResort: LAST_RESORT };
}

/** accountSnapshots are billing's snapshots of every customer and carrier at `atMs`: names, classes, balances, contacts. */
export function accountSnapshots(world: World, atMs: number): Account[] {
  const customers = world.customers.map((c, i): Account => ({
    entity: entityKey('customer', c.id), name: c.name, class: c.class, status: 'active', balance: c.balance, debit_limit: c.debitLimit, currency: 'USD',
    emails: [`noc@${c.id}.example`, `billing@${c.id}.example`], phones: [`+1555${String(1_000_000 + i * 7919).slice(-7)}`],
    timezone: c.timezone, locale: c.locale, at_ms: atMs,
  }));
  // A carrier's balance is the deposit its cost draws down.
  const carriers = world.carriers.map((c): Account => ({
    entity: entityKey('carrier', c.id), name: c.name, class: null, status: 'active', balance: 100_000, debit_limit: null, currency: 'USD',
    emails: [`noc@${c.id}.example`], phones: [], timezone: null, locale: null, at_ms: atMs,
  }));
  return [...customers, ...carriers];
}
