import { seededRandom } from '@callwatch/cli';
import { CLASSES, TIPPING } from './soak-traffic';
import { zipfSampler } from './zipf';

/** RuleFile is one rule as an admin writes it in a rule file (docs/design.md, "Rules"). */
export type RuleFile = Record<string, unknown>;

/** Where the generated rules send their notifications. */
export interface SoakRecipients {
  email: string;
  webhook: string;
}

/**
 * AreaShape is a kind of rule an operator writes, with thresholds set against the soak's healthy traffic (ASR about
 * 50%, PDD 0.8–3.8 s, calls of 5 s to 3 minutes, prepaid balances of 100 that calls run down): most rules stay quiet,
 * a few fire for the busiest customers (cps, spend, attempts), for customers whose balance runs out, or during the
 * pool customers' bad spells (asr, code_ratio).
 */
interface AreaShape {
  area: string;
  operator: '<' | '<=' | '>' | '>=';
  thresholds: [number, number];
  /** how far past the threshold the reset threshold is, on the side the value resets to */
  resetBy?: number;
  minAttempts?: number;
  codes?: number[];
  gauge?: boolean;
  /** whether the area means something for a carrier (every CDR counts for its carrier too) */
  carrier?: boolean;
}

const SHAPES: AreaShape[] = [
  { area: 'asr', operator: '<=', thresholds: [20, 30], resetBy: 10, minAttempts: 50, carrier: true },
  { area: 'ner', operator: '<', thresholds: [45, 55], resetBy: 5, minAttempts: 50, carrier: true },
  { area: 'acd', operator: '<', thresholds: [20, 40], resetBy: 10, minAttempts: 30, carrier: true },
  { area: 'pdd', operator: '>', thresholds: [3_200, 3_600], resetBy: 300, minAttempts: 30, carrier: true },
  { area: 'cps', operator: '>=', thresholds: [20, 200], resetBy: 5, carrier: true },
  { area: 'spend', operator: '>', thresholds: [50, 500], resetBy: 20 },
  { area: 'attempts', operator: '>', thresholds: [2_000, 20_000], resetBy: 200, carrier: true },
  { area: 'sdr', operator: '>', thresholds: [20, 40], resetBy: 5, minAttempts: 30 },
  { area: 'code_ratio', operator: '>', thresholds: [20, 30], resetBy: 10, minAttempts: 10, codes: [503], carrier: true },
  { area: 'margin', operator: '<', thresholds: [-1, 0] },
  { area: 'balance', operator: '<', thresholds: [0, 20], resetBy: 10, gauge: true },
];
const PERIODS = ['5m', '5m', '5m', '15m', '15m', '1h'];
const LEVELS = ['info', 'warning', 'warning', 'warning', 'error', 'critical'];

/** tippingRule is the rule the latency is measured on (see TIPPING): it also notifies both ways and applies a penalty. */
export function tippingRule(to: SoakRecipients): RuleFile {
  return {
    id: TIPPING.id, title: 'Soak: customer calls failing', scope: { all: 'customers' }, area: 'asr', operator: '<=', threshold: TIPPING.threshold,
    reset_threshold: TIPPING.resetThreshold, sample_period: `${TIPPING.periodMs / 60_000}m`, min_attempts: TIPPING.minAttempts, level: 'warning',
    penalty: '2m', notify: [{ email: to.email }, { webhook: to.webhook }],
  };
}

/**
 * soakRules generates `count` rules: the tipping rule first, then 1% for all customers, 0.5% for all carriers, 6% for a
 * class and the rest for single customers (busy ones more often), over every windowed area and the balance, with sample
 * periods of 5m, 15m and 1h; some wait (`for`), repeat, apply a penalty, or notify an email, a webhook or both.
 */
export function soakRules(count: number, customers: readonly string[], to: SoakRecipients, seed = 11): RuleFile[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const busy = zipfSampler(customers.length, 1.1, random);
  const allCustomers = Math.round(count * 0.01);
  const allCarriers = Math.round(count * 0.005);
  const byClass = Math.round(count * 0.06);
  const rules = [tippingRule(to)];
  for (let i = 1; i < count; i++) {
    const kind = i <= allCustomers ? 'all customers' : i <= allCustomers + allCarriers ? 'all carriers' : i <= allCustomers + allCarriers + byClass ? 'class' : 'customer';
    const scope = kind === 'all customers' ? { all: 'customers' } : kind === 'all carriers' ? { all: 'carriers' }
      : kind === 'class' ? { class: `class-${i % CLASSES}` }
        // Operators write more rules for their big customers; three in ten here are for anyone, bad spells' customers included.
        : { customer: random() < 0.7 ? customers[busy()] : pick(customers) };
    const shape = pick(kind === 'all carriers' ? SHAPES.filter((s) => s.carrier) : SHAPES);
    const [low, high] = shape.thresholds;
    const threshold = Math.round(low + random() * (high - low));
    const rule: RuleFile = { id: `soak-${String(i).padStart(4, '0')}`, title: `Soak ${shape.area} ${kind} ${i}`, scope, area: shape.area, operator: shape.operator, threshold };
    if (shape.resetBy !== undefined) rule.reset_threshold = shape.operator.startsWith('<') ? threshold + shape.resetBy : threshold - shape.resetBy;
    // code_ratio over 5 minutes: a bad spell's failed calls leave that window before its answered ones, so the alert
    // resets as time passes; over a longer window it would stay firing past the soak.
    if (!shape.gauge) rule.sample_period = shape.area === 'code_ratio' ? '5m' : pick(PERIODS);
    if (shape.minAttempts !== undefined) rule.min_attempts = shape.minAttempts;
    if (shape.codes) rule.codes = shape.codes;
    rule.level = pick(LEVELS);
    const r = random();
    if (r < 0.1) rule.for = '1m';
    else if (r < 0.2) rule.repeat = '5m';
    if (random() < 0.05) rule.penalty = '2m';
    const n = random();
    if (n < 0.15) rule.notify = [{ email: to.email }];
    else if (n < 0.25) rule.notify = [{ webhook: to.webhook }];
    else if (n < 0.3) rule.notify = [{ email: to.email }, { webhook: to.webhook }];
    rules.push(rule);
  }
  return rules;
}
