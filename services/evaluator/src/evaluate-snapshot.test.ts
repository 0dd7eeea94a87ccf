import type { MetricSnapshot, Rule } from '@callwatch/schemas';
import { evaluateSnapshot } from './evaluate-snapshot';

const rule: Rule = {
  id: 'low-asr', title: 'Low ASR', scope: { kind: 'customer', value: 'acme' }, area: 'asr', operator: '<=', threshold: 30,
  reset_threshold: 31, sample_period_ms: 300_000, min_attempts: 10, for_ms: 0, repeat_ms: 0, level: 'warning', penalty_ms: null,
  codes: [], notify: [], template: null, enabled: true, extra_json: null, applied_by: 'test', applied_at_ms: 0,
};

function snapshot(entity: string, at: number, attempts: number, answered: number): MetricSnapshot {
  return {
    entity, at_ms: at, channels: null, balance: null, late: 0,
    windows: [{ sample_period_ms: 300_000, attempts, answered, asr: attempts ? (answered / attempts) * 100 : null, ner: null, acd: null, pdd: null, cps: null, spend: null, margin: null, sdr: null, codes: {} }],
  };
}

describe('evaluateSnapshot', () => {
  it('fires at the snapshot event time with the fields SRE consumers rely on, then resets above the reset threshold', () => {
    const [fired] = evaluateSnapshot([rule], snapshot('customer:acme', 1_000, 20, 4), () => undefined);
    expect(fired?.event).toMatchObject({
      type: 'fired', rule_id: 'low-asr', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 20, threshold: 30,
      reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 300_000, at_ms: 1_000, first_fired_at_ms: 1_000, test: false,
    });
    expect(fired?.event?.event_id).toMatch(/^[0-9a-f]{40}$/);

    // 30.5% is between threshold and reset threshold: still firing, no event (hysteresis).
    const [held] = evaluateSnapshot([rule], snapshot('customer:acme', 2_000, 200, 61), () => fired?.state);
    expect(held?.event).toBeNull();
    expect(held?.state.status).toBe('firing');

    const [reset] = evaluateSnapshot([rule], snapshot('customer:acme', 3_000, 100, 40), () => held?.state);
    expect(reset?.event).toMatchObject({ type: 'reset', value: 40, at_ms: 3_000, first_fired_at_ms: 1_000 });
  });

  it('skips rules for other entities, disabled rules, and holds state below min_attempts', () => {
    expect(evaluateSnapshot([rule], snapshot('customer:beta', 1_000, 20, 0), () => undefined)).toEqual([]);
    expect(evaluateSnapshot([{ ...rule, enabled: false }], snapshot('customer:acme', 1_000, 20, 0), () => undefined)).toEqual([]);
    const [few] = evaluateSnapshot([rule], snapshot('customer:acme', 1_000, 9, 0), () => undefined);
    expect(few?.event).toBeNull();
  });

  it('applies class rules to entities whose account has the class', () => {
    const gold: Rule = { ...rule, scope: { kind: 'class', value: 'gold' } };
    expect(evaluateSnapshot([gold], snapshot('customer:zed', 1_000, 20, 0), () => undefined, { class: 'gold' })[0]?.event?.type).toBe('fired');
    expect(evaluateSnapshot([gold], snapshot('customer:zed', 1_000, 20, 0), () => undefined, { class: 'silver' })).toEqual([]);
  });
});
