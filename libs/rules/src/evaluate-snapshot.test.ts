import { ScriptSandbox } from './script-sandbox';
import type { MetricSnapshot, Rule } from '@callwatch/schemas';
import { evaluateSnapshot } from './evaluate-snapshot';

const rule: Rule = {
  id: 'low-asr', title: 'Low ASR', scope: { kind: 'customer', value: 'acme' }, area: 'asr', operator: '<=', threshold: 30,
  reset_threshold: 31, sample_period_ms: 300_000, min_attempts: 10, for_ms: 0, repeat_ms: 0, level: 'warning', penalty_ms: null,
  codes: [], notify: [], template: null, group_by: null, group_wait_ms: null, group_interval_ms: null, enabled: true, extra_json: null, applied_by: 'test', applied_at_ms: 0,
};

function snapshot(entity: string, at: number, attempts: number, answered: number): MetricSnapshot {
  return {
    entity, at_ms: at, channels: null, balance: null, credit: null, credit_used: null, late: 0, version: 0,
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
    // The firing state keeps the rule's fields, to reset the alert should the rule be deleted.
    expect(fired?.state.rule).toEqual({ rule_title: 'Low ASR', area: 'asr', threshold: 30, reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 300_000 });

    // 30.5% is between threshold and reset threshold: still firing, no event (hysteresis).
    const [held] = evaluateSnapshot([rule], snapshot('customer:acme', 2_000, 200, 61), () => fired?.state);
    expect(held?.event).toBeNull();
    expect(held?.state.status).toBe('firing');

    const [reset] = evaluateSnapshot([rule], snapshot('customer:acme', 3_000, 100, 40), () => held?.state);
    expect(reset?.event).toMatchObject({ type: 'reset', value: 40, at_ms: 3_000, first_fired_at_ms: 1_000 });
    expect(reset?.state.rule).toBeUndefined();
  });

  it('skips rules for other entities, disabled rules, and holds state below min_attempts', () => {
    expect(evaluateSnapshot([rule], snapshot('customer:beta', 1_000, 20, 0), () => undefined)).toEqual([]);
    expect(evaluateSnapshot([{ ...rule, enabled: false }], snapshot('customer:acme', 1_000, 20, 0), () => undefined)).toEqual([]);
    const [few] = evaluateSnapshot([rule], snapshot('customer:acme', 1_000, 9, 0), () => undefined);
    expect(few?.event).toBeNull();
  });

  it('never judges a report rule on a snapshot: it sends on its schedule', () => {
    const report: Rule = { ...rule, operator: null, threshold: null, reset_threshold: null, extra_json: JSON.stringify({ schedule: '0 8 * * *' }) };
    expect(evaluateSnapshot([report], snapshot('customer:acme', 1_000, 20, 0), () => undefined)).toEqual([]);
  });

  it('never judges an event rule on a snapshot: payments, account changes and penalty actions fire it', () => {
    const paid: Rule = { ...rule, id: 'paid', area: 'event', operator: null, threshold: null, reset_threshold: null, sample_period_ms: null, extra_json: JSON.stringify({ event: 'payment_completed' }) };
    expect(evaluateSnapshot([paid, rule], snapshot('customer:acme', 1_000, 20, 10), () => undefined).map((e) => e.rule.id)).toEqual(['low-asr']);
  });

  it('applies class rules to entities whose account has the class', () => {
    const gold: Rule = { ...rule, scope: { kind: 'class', value: 'gold' } };
    expect(evaluateSnapshot([gold], snapshot('customer:zed', 1_000, 20, 0), () => undefined, { class: 'gold' })[0]?.event?.type).toBe('fired');
    expect(evaluateSnapshot([gold], snapshot('customer:zed', 1_000, 20, 0), () => undefined, { class: 'silver' })).toEqual([]);
  });

  describe('script rules', () => {
    let scripts: ScriptSandbox;
    beforeAll(async () => {
      scripts = await ScriptSandbox.create({ timeoutMs: 50 });
    });
    afterAll(() => scripts.dispose());
    const script = (id: string, text: string, overrides: Partial<Rule> = {}): Rule => ({
      ...rule, id, title: id, area: 'script', operator: null, threshold: null, reset_threshold: null, min_attempts: 1, extra_json: JSON.stringify({ script: text }), ...overrides,
    });
    const lowAsr = script('low-asr-script', 'return m.asr < 30 && m.attempts > 10');

    it('fires a boolean script rule when it returns true and resets when it returns false', () => {
      const [fired] = evaluateSnapshot([lowAsr], snapshot('customer:acme', 1_000, 20, 4), () => undefined, undefined, { scripts });
      expect(fired?.scriptError).toBeNull();
      expect(fired?.event).toMatchObject({ type: 'fired', rule_id: 'low-asr-script', area: 'script', value: 1, operator: null, threshold: null, at_ms: 1_000 });
      const [reset] = evaluateSnapshot([lowAsr], snapshot('customer:acme', 2_000, 20, 10), () => fired?.state, undefined, { scripts });
      expect(reset?.event).toMatchObject({ type: 'reset', value: 0, at_ms: 2_000 });
    });

    it('compares a number script rule with its threshold', () => {
      const failing = script('failing-share', 'return 100 - m.asr', { operator: '>=', threshold: 70 });
      expect(evaluateSnapshot([failing], snapshot('customer:acme', 1_000, 20, 4), () => undefined, undefined, { scripts })[0]?.event).toMatchObject({ type: 'fired', value: 80, threshold: 70 });
      expect(evaluateSnapshot([failing], snapshot('customer:acme', 1_000, 20, 10), () => undefined, undefined, { scripts })[0]?.event).toBeNull();
    });

    it('holds the state of a failing script rule, reports its error, and still runs the next rule', () => {
      const [fired] = evaluateSnapshot([lowAsr], snapshot('customer:acme', 1_000, 20, 4), () => undefined, undefined, { scripts });
      const endless = script('endless', 'while (true) {}');
      const broken = script('low-asr-script', 'while (m.asr < 100) {} return false');
      const states = new Map([['endless', fired?.state], ['low-asr-script', fired?.state]]);
      const [stuck, held, next] = evaluateSnapshot([endless, broken, script('next', 'return m.attempts > 10')], snapshot('customer:acme', 2_000, 20, 10), (id) => states.get(id), undefined, { scripts });
      expect(stuck?.scriptError?.code).toBe('CW_ERR_SCRIPT_TIMEOUT');
      expect(held?.scriptError?.code).toBe('CW_ERR_SCRIPT_TIMEOUT');
      expect(held?.event).toBeNull();
      expect(held?.state).toEqual({ ...fired?.state, no_data: true });
      expect(next?.scriptError).toBeNull();
      expect(next?.event).toMatchObject({ type: 'fired', rule_id: 'next', value: 1 });
    });

    it('marks every hostile script rule failing with its reason and judges the rules after it', () => {
      const hostile = [
        ['escape', 'return Function("return this")().process.mainModule.require("fs")', 'CW_ERR_SCRIPT_FAILED'],
        ['pollute', 'Object.prototype.polluted = true; return true', 'CW_ERR_SCRIPT_FAILED'],
        ['loop', 'for (;;) {}', 'CW_ERR_SCRIPT_TIMEOUT'],
        ['allocate', 'const a = []; for (;;) a.push(new Float64Array(1e5))', 'CW_ERR_SCRIPT_MEMORY'],
        ['recurse', 'const f = () => f(); return f()', 'CW_ERR_SCRIPT_MEMORY'],
        ['huge-result', 'return "x".repeat(1e7)', 'CW_ERR_SCRIPT_FAILED'],
      ] as const;
      const rules = [...hostile.map(([id, text]) => script(id, text)), script('next', 'return m.attempts > 10')];
      const evaluations = evaluateSnapshot(rules, snapshot('customer:acme', 2_000, 20, 10), () => undefined, undefined, { scripts });
      expect(evaluations.map((e) => [e.rule.id, e.scriptError?.code ?? null, e.event?.type ?? null])).toEqual([
        ...hostile.map(([id, , code]) => [id, code, null]),
        ['next', null, 'fired'],
      ]);
      for (const e of evaluations.slice(0, -1)) expect(e.scriptError?.message).toMatch(new RegExp(`^script rule ${e.rule.id}: .+`));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('gives script rules no data without a sandbox', () => {
      const [evaluation] = evaluateSnapshot([lowAsr], snapshot('customer:acme', 1_000, 20, 4), () => undefined);
      expect(evaluation).toMatchObject({ event: null, scriptError: null, state: { status: 'ok', value: null } });
    });
  });
});
