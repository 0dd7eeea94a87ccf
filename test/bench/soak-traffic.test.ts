import { Replay } from '@callwatch/cli';
import { validateRuleFiles } from '@callwatch/rules';
import type { Cdr } from '@callwatch/schemas';
import { tippingRule } from './soak-rules';
import { SPELL, SoakTraffic, TIPPING, answeredToReset } from './soak-traffic';

const t0 = 1_800_000_000_000;
const rules = () => validateRuleFiles([{ path: 'soak.json', text: JSON.stringify([tippingRule({ email: 'noc@example.net', webhook: 'http://127.0.0.1:1/soak' })]) }], { knownTemplates: new Set(), appliedBy: 'test', now: 0 });

// Runs the spells of a one-customer pool in 100 ms ticks, as the soak publishes them.
function spellTicks(traffic: SoakTraffic, fromMs: number, toMs: number): Cdr[] {
  const cdrs: Cdr[] = [];
  for (let now = fromMs; now < toMs; now += 100) cdrs.push(...traffic.spellCdrs(now));
  return cdrs;
}

describe('answeredToReset', () => {
  it('is the first count of answered calls that lifts the ASR above the reset threshold', () => {
    const k = answeredToReset(40, 40);
    expect(k).toBe(27);
    expect((k * 100) / (40 + k)).toBeGreaterThan(40);
    expect(((k - 1) * 100) / (40 + k - 1)).toBeLessThanOrEqual(40);
  });
});

describe('SoakTraffic', () => {
  it('keeps the pool out of the Zipf traffic', () => {
    const traffic = new SoakTraffic(1_000);
    expect(traffic.pool).toHaveLength(20);
    const pool = new Set(traffic.pool);
    const drawn = traffic.zipfCdrs(20_000, t0).map((c) => c.customer_id);
    expect(drawn.filter((c) => pool.has(c))).toEqual([]);
    expect(drawn.filter((c) => c === 'cust-0').length).toBeGreaterThan(drawn.filter((c) => c === 'cust-500').length);
  });

  it('hands out a spell whose tipping CDRs are the ones the real window and rule code fire and reset on', () => {
    // Two customers: one for the Zipf traffic, one in the pool, so every spell is the same customer's.
    const traffic = new SoakTraffic(2);
    const spellMs = SPELL.failedMs + SPELL.pauseMs + SPELL.answeredMs;
    const cdrs = spellTicks(traffic, t0, t0 + 2 * (spellMs + SPELL.quietMs));
    const [first, second, more] = traffic.spells;
    expect(more).toBeUndefined();
    expect(second?.startMs).toBeGreaterThanOrEqual(t0 + spellMs + SPELL.quietMs);
    for (const spell of [first!, second!]) {
      const own = cdrs.filter((c) => c.end_ms >= spell.startMs && c.end_ms < spell.startMs + spellMs);
      expect(own.filter((c) => c.answer_ms === null && c.sip_code === 503)).toHaveLength(SPELL.failed);
      expect(own.filter((c) => c.answer_ms !== null && c.sip_code === 200)).toHaveLength(SPELL.answered);
      // The fire's tipping CDR is the min_attempts-th failed one.
      expect(own.filter((c) => c.end_ms <= spell.firedTipMs!)).toHaveLength(TIPPING.minAttempts);
    }

    // The aggregator's window code and the evaluator's decisions, one CDR at a time, as `callwatch replay` runs them.
    const { rules: [rule], errors } = rules();
    expect(errors).toEqual([]);
    const replay = new Replay([rule!], { periodsMs: [TIPPING.periodMs], latenessMs: 300_000, maxCallMs: 4 * 3_600_000 });
    for (const cdr of cdrs) replay.push({ type: 'cdr', ...cdr });
    const transitions = replay.finish().filter((o) => o.type === 'fired' || o.type === 'reset').map((o) => [o.type, o.at]);
    expect(transitions).toEqual([['fired', first!.firedTipMs], ['reset', first!.resetTipMs], ['fired', second!.firedTipMs], ['reset', second!.resetTipMs]]);
  });
});
