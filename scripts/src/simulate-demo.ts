import { parseScenario, type Scenario } from './simulate-scenarios';
import type { World } from './simulate-world';

/** DemoStep is one scenario of the demo's schedule and the example rules (rules/examples) it makes fire and reset. */
export interface DemoStep {
  scenario: string;
  shows: string[];
  story: string;
}

/**
 * DEMO_STEPS is what `callwatch simulate --demo` runs: one scenario per entity, staggered so that the first alert
 * fires within a minute, every example rule has fired by about 5 minutes and reset by about 16, at the demo's rate
 * (DEMO_RATE, 100 calls a second). scripts/src/simulate-demo.test.ts replays it against rules/examples to prove it.
 */
export const DEMO_STEPS: DemoStep[] = [
  { scenario: 'asr-drop:customer:acme@+0s/5m', shows: ['low-asr-warning', 'asr-penalty'], story: "ACME's calls fail: a warning to the NOC, then a 1 h penalty" },
  { scenario: 'cps-spike:customer:initech@+30s/2m', shows: ['cps-over-limit'], story: "Initech's dialer bursts past its 30 CPS limit" },
  { scenario: 'channels-near-limit:customer:hooli@+1m/3m', shows: ['channels-near-limit'], story: 'Hooli holds 95% of its 300 channels' },
  { scenario: 'carrier-outage:carrier:bluewave@+1m/3m', shows: ['carrier-ner-collapse', 'negative-margin-route'], story: "BlueWave's NER collapses (penalty: stop routing to it); its calls retried on Meridian lose money" },
  { scenario: 'pdd-rise:carrier:atlas-voice@+1m30s/3m', shows: ['high-pdd'], story: "Atlas Voice's post-dial delay rises to 7.5 s" },
  { scenario: 'fraud-burst:customer:umbrella@+2m/3m', shows: ['fraud-spend-spike', 'premium-rate-mix'], story: 'short calls to premium numbers on Umbrella: a spend spike' },
  { scenario: 'balance-drain:customer:globex@+2m30s/3m', shows: ['low-balance', 'payment-received'], story: "Globex's prepaid balance runs out; its top-up at +5m30s resets the alert" },
];

/** DEMO_RATE is the demo's calls per second, which the example rules' thresholds are sized for. */
export const DEMO_RATE = 100;

/** demoScenarios parses the demo's schedule (checking, with a world, that it simulates the demo's entities). */
export function demoScenarios(world?: World): Scenario[] {
  return DEMO_STEPS.map((step) => parseScenario(step.scenario, world));
}

/** demoTimeline is the demo's schedule as the lines `simulate --demo` prints at its start. */
export function demoTimeline(): string {
  const width = Math.max(...DEMO_STEPS.map((s) => s.scenario.length));
  const line = (when: string, story: string, rules: string) => `  ${when.padEnd(width)}  ${story}  → ${rules}`;
  return [
    'demo timeline (rules/examples: every rule fires within about 5 minutes and resets within about 16):',
    ...DEMO_STEPS.map((s) => line(s.scenario, s.story, s.shows.join(', '))),
    line('any time', 'a payment not made on the portal', 'payment-received'),
    line('08:00 Europe/London', "each gold customer's balance", 'daily-balance'),
  ].join('\n');
}
