import { validateRuleFiles } from '@callwatch/rules';
import { soakRules } from './soak-rules';
import { SoakTraffic, TIPPING } from './soak-traffic';

const to = { email: 'noc@example.net', webhook: 'http://127.0.0.1:1/soak' };

describe('soakRules', () => {
  const files = soakRules(1_000, new SoakTraffic(10_000).customers, to);
  const { rules, errors } = validateRuleFiles([{ path: 'soak.json', text: JSON.stringify(files) }], { knownTemplates: new Set(), appliedBy: 'test', now: 0 });

  it('generates rules that `callwatch rules apply` accepts, the tipping rule first', () => {
    expect(errors).toEqual([]);
    expect(rules).toHaveLength(1_000);
    expect(rules[0]).toMatchObject({ id: TIPPING.id, area: 'asr', threshold: TIPPING.threshold, min_attempts: TIPPING.minAttempts, sample_period_ms: TIPPING.periodMs });
  });

  it('mixes scopes, areas, sample periods, penalties and recipients', () => {
    const count = (pick: (rule: (typeof rules)[number]) => unknown) => {
      const counts = new Map<unknown, number>();
      for (const rule of rules) counts.set(pick(rule), (counts.get(pick(rule)) ?? 0) + 1);
      return counts;
    };
    expect(Object.fromEntries(count((r) => r.scope.kind))).toEqual({ all_customers: 11, all_carriers: 5, class: 60, customer: 924 });
    expect([...count((r) => r.area).keys()].sort()).toEqual(['acd', 'asr', 'attempts', 'balance', 'code_ratio', 'cps', 'margin', 'ner', 'pdd', 'sdr', 'spend']);
    expect(new Set(count((r) => r.sample_period_ms).keys())).toEqual(new Set([300_000, 900_000, 3_600_000, null]));
    const share = (has: (rule: (typeof rules)[number]) => boolean) => rules.filter(has).length / rules.length;
    expect(share((r) => r.penalty_ms !== null)).toBeGreaterThan(0.02);
    expect(share((r) => r.for_ms > 0)).toBeGreaterThan(0.05);
    expect(share((r) => r.repeat_ms > 0)).toBeGreaterThan(0.05);
    expect(share((r) => r.notify.some((n) => n.channel === 'email'))).toBeGreaterThan(0.1);
    expect(share((r) => r.notify.some((n) => n.channel === 'webhook'))).toBeGreaterThan(0.1);
    expect(share((r) => r.notify.length === 0)).toBeGreaterThan(0.5);
  });
});
