import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InputEvent } from '@callwatch/windows';
import { periodsOf, replayFile } from './commands/replay';
import { validateFiles } from './commands/rules';
import { simulate } from './commands/simulate';
import { DEMO_RATE, DEMO_STEPS, demoScenarios } from './simulate-demo';
import { DEFAULT_PROFILE } from './simulate-traffic';
import type { ReplayOutput } from './replay';

const EXAMPLES = join(__dirname, '..', '..', 'rules', 'examples');
// 07:57 London time (GMT in January): the daily balance report's 08:00 tick falls inside the run.
const START = Date.parse('2026-01-15T07:57:00Z');
const MINUTE = 60_000;

// The demo's traffic, as `callwatch simulate --demo --out <file> --fast --duration 20m` writes it, replayed with
// rules/examples as `callwatch replay` replays it: the proof that the demo shows every example rule.
describe('the demo (simulate --demo) against rules/examples', () => {
  let outputs: ReplayOutput[];
  let events: InputEvent[];
  let ruleIds: string[];

  beforeAll(async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'callwatch-demo-')), 'demo.jsonl');
    await simulate({ rate: DEMO_RATE, durationMs: 20 * MINUTE, profile: DEFAULT_PROFILE, seed: 1, scenarios: demoScenarios(), out, fast: true, startMs: START });
    events = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as InputEvent);
    const rules = await validateFiles([EXAMPLES], 'test', Date.now(), { anyTemplate: true });
    ruleIds = rules.map((r) => r.id).sort();
    const result = await replayFile(rules, out, { periodsMs: periodsOf(rules), latenessMs: 5 * MINUTE, maxCallMs: 4 * 3_600_000 });
    expect(result.skipped).toEqual([]);
    expect(result.scriptErrors).toEqual([]);
    outputs = result.outputs;
  }, 20 * MINUTE);

  const at = (o: ReplayOutput) => o.at - START;
  const transitions = () => outputs.filter((o) => o.type === 'fired' || o.type === 'reset');

  it('has one file per rule, and a demo step for every rule but the daily report', () => {
    expect(readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort()).toEqual(ruleIds);
    expect([...DEMO_STEPS.flatMap((s) => s.shows), 'daily-balance'].sort()).toEqual(ruleIds);
  });

  it('fires and then resets every threshold and script rule, on the entity its step names, within the promised times', () => {
    const threshold = DEMO_STEPS.flatMap((step) => step.shows.filter((rule) => rule !== 'payment-received').map((rule) => ({ rule, step })));
    expect(threshold).toHaveLength(10);
    const seen = threshold.map(({ rule }) => {
      const mine = transitions().filter((o) => o.rule === rule);
      const fired = mine.find((o) => o.type === 'fired');
      const reset = mine.find((o) => o.type === 'reset' && fired !== undefined && o.at > fired.at);
      return { rule, entity: fired?.entity, firedBy5m30s: fired !== undefined && at(fired) <= 5.5 * MINUTE, resetBy17m: reset !== undefined && at(reset) <= 17 * MINUTE };
    });
    // The entity the step's scenario names, except the margin rule: the retries of bluewave's calls lose money on meridian.
    const entityOf = (rule: string, scenario: string) => (rule === 'negative-margin-route' ? 'carrier:meridian' : scenario.split(':').slice(1, 3).join(':').split('@')[0]);
    expect(seen).toEqual(threshold.map(({ rule, step }) => ({ rule, entity: entityOf(rule, step.scenario), firedBy5m30s: true, resetBy17m: true })));
  });

  it('fires the first alert within a minute', () => {
    expect(at(transitions()[0] as ReplayOutput)).toBeLessThan(MINUTE);
  });

  it('fires nothing for an entity that no scenario touches', () => {
    const touched = new Set([...DEMO_STEPS.map((s) => s.scenario.split(':').slice(1, 3).join(':').split('@')[0]), 'carrier:meridian']);
    expect(transitions().filter((o) => o.rule !== 'payment-received' && !touched.has(o.entity))).toEqual([]);
  });

  it('applies the penalties: acme for 1 h, the carrier bluewave for 30 min', () => {
    expect(outputs.filter((o) => o.type === 'disable').map((o) => [o.rule, o.entity, o.type === 'disable' && o.until - o.at])).toEqual([
      ['carrier-ner-collapse', 'carrier:bluewave', 30 * MINUTE],
      ['asr-penalty', 'customer:acme', 60 * MINUTE],
    ]);
  });

  it("notices every completed payment not made on the portal, globex's top-up among them, and no other", () => {
    const payments = events.filter((e): e is Extract<InputEvent, { type: 'payment' }> => e.type === 'payment');
    expect(new Set(payments.map((p) => p.source))).toEqual(new Set(['portal', 'gateway', 'bank', 'admin']));
    const noticed = payments.filter((p) => p.status === 'completed' && p.source !== 'portal').map((p) => [`customer:${p.customer_id}`, p.at_ms]);
    expect(outputs.filter((o) => o.rule === 'payment-received').map((o) => [o.entity, o.at])).toEqual(noticed);
    expect(noticed).toContainEqual(['customer:globex', START + 5.5 * MINUTE]);
  });

  it('reports the balance of every gold customer at 08:00 London time', () => {
    expect(outputs.filter((o) => o.type === 'report').map((o) => [o.rule, o.entity, o.at])).toEqual(
      ['acme', 'soylent', 'stark', 'wayne'].map((id) => ['daily-balance', `customer:${id}`, Date.parse('2026-01-15T08:00:00Z')]),
    );
  });
});
