import type { MetricSnapshot, Rule, Window } from '@callwatch/schemas';
import { metricValue, type Observation } from './metric-value';
import { makeRule } from './testing';
import { ScriptSandbox } from './script-sandbox';

const window = (overrides: Partial<Window>): Window => ({
  sample_period_ms: 900_000, attempts: 200, answered: 80, asr: 40, ner: 95, acd: 61.5, pdd: 1800, cps: 3, spend: 12.5,
  margin: 2.25, sdr: 4, codes: { '200': 80, '486': 30, '503': 10 }, ...overrides,
});

const snapshot: MetricSnapshot = {
  entity: 'customer:acme', at_ms: 1000, channels: 17, balance: 99.5, credit: 199.5, credit_used: 0, late: 0, version: 0,
  windows: [window({ sample_period_ms: 300_000, attempts: 50, asr: 10, codes: { '486': 5 } }), window({}), window({ sample_period_ms: 3_600_000, attempts: 0, acd: null, codes: {} })],
};

describe('metricValue', () => {
  it.each<[string, Partial<Rule>, Observation]>([
    ['asr of the rule window', { area: 'asr' }, { value: 40, attempts: 200 }],
    ['asr of another window', { area: 'asr', sample_period_ms: 300_000 }, { value: 10, attempts: 50 }],
    ['ner', { area: 'ner' }, { value: 95, attempts: 200 }],
    ['acd', { area: 'acd' }, { value: 61.5, attempts: 200 }],
    ['pdd', { area: 'pdd' }, { value: 1800, attempts: 200 }],
    ['cps', { area: 'cps' }, { value: 3, attempts: 200 }],
    ['spend', { area: 'spend' }, { value: 12.5, attempts: 200 }],
    ['margin', { area: 'margin' }, { value: 2.25, attempts: 200 }],
    ['sdr', { area: 'sdr' }, { value: 4, attempts: 200 }],
    ['attempts', { area: 'attempts' }, { value: 200, attempts: 200 }],
    ['code_ratio over the named codes', { area: 'code_ratio', codes: [486, 503] }, { value: 20, attempts: 200 }],
    ['code_ratio of codes never seen', { area: 'code_ratio', codes: [404] }, { value: 0, attempts: 200 }],
    ['code_ratio without attempts', { area: 'code_ratio', codes: [486], sample_period_ms: 3_600_000 }, { value: null, attempts: 0 }],
    ['a null value', { area: 'acd', sample_period_ms: 3_600_000 }, { value: null, attempts: 0 }],
    ['a missing window', { area: 'asr', sample_period_ms: 60_000 }, { value: null, attempts: null }],
    ['channels from the gauge', { area: 'channels', sample_period_ms: null }, { value: 17, attempts: null }],
    ['balance from the gauge', { area: 'balance', sample_period_ms: null }, { value: 99.5, attempts: null }],
    ['credit from the gauge', { area: 'credit', sample_period_ms: null }, { value: 199.5, attempts: null }],
    ['credit_used from the gauge', { area: 'credit_used', sample_period_ms: null }, { value: 0, attempts: null }],
    ['nothing for an event rule', { area: 'event', sample_period_ms: null }, { value: null, attempts: null }],
    ['nothing for a script rule without a sandbox', { area: 'script', extra_json: '{"script":"return 1"}' }, { value: null, attempts: null }],
  ])('%s', (_name, overrides, observation) => {
    expect(metricValue(makeRule(overrides), snapshot)).toEqual(observation);
  });

  it.each(['balance', 'credit', 'credit_used'] as const)('reads a missing %s gauge as no data', (area) => {
    expect(metricValue(makeRule({ area, sample_period_ms: null }), { ...snapshot, [area]: null })).toEqual({ value: null, attempts: null });
  });

  describe('of a script rule', () => {
    let scripts: ScriptSandbox;
    beforeAll(async () => {
      scripts = await ScriptSandbox.create();
    });
    afterAll(() => scripts.dispose());
    const scriptRule = (script: string, overrides: Partial<Rule> = {}): Rule =>
      makeRule({ id: `s-${script.length}-${overrides.sample_period_ms ?? 'w'}`, area: 'script', operator: null, threshold: null, extra_json: JSON.stringify({ script }), ...overrides });

    it.each<[string, string, Partial<Rule>, Observation]>([
      ['a number from the rule window, with its attempts', 'return m.asr / 2', {}, { value: 20, attempts: 200 }],
      ['another window', 'return m.asr', { sample_period_ms: 300_000 }, { value: 10, attempts: 50 }],
      ['a boolean as 1', 'return m.asr < 50 && m.attempts > 100', {}, { value: 1, attempts: 200 }],
      ['a boolean as 0', 'return m.asr < 30', {}, { value: 0, attempts: 200 }],
      ['a missing value as null', 'return m.acd === null && m.attempts === 0', { sample_period_ms: 3_600_000, min_attempts: 0 }, { value: 1, attempts: 0 }],
      ['the gauges alone without a sample period', 'return m.asr === null && m.attempts === null && m.codes === null ? m.balance : -1', { sample_period_ms: null }, { value: 99.5, attempts: null }],
      ['nothing for a window the snapshot lacks', 'return 1', { sample_period_ms: 60_000 }, { value: null, attempts: null }],
      ['nothing below min_attempts, without running it', 'throw new Error("ran")', { sample_period_ms: 300_000, min_attempts: 51 }, { value: null, attempts: 50 }],
    ])('%s', (_name, script, overrides, observation) => {
      expect(metricValue(scriptRule(script, overrides), snapshot, scripts)).toEqual(observation);
    });

    it('gives the script the window, the gauges and the entity', () => {
      const script = `return m.entity === 'customer:acme' && m.asr === 40 && m.ner === 95 && m.acd === 61.5 && m.pdd === 1800
        && m.attempts === 200 && m.answered === 80 && m.cps === 3 && m.spend === 12.5 && m.margin === 2.25 && m.sdr === 4
        && m.codes['486'] === 30 && m.channels === 17 && m.balance === 99.5 && m.credit === 199.5 && m.credit_used === 0`;
      expect(metricValue(scriptRule(script), snapshot, scripts)).toEqual({ value: 1, attempts: 200 });
    });

    it('exposes why a script has no value', () => {
      const observation = metricValue(scriptRule('throw new Error("no rates")'), snapshot, scripts);
      expect(observation).toMatchObject({ value: null, attempts: 200 });
      expect(observation.error?.code).toBe('CW_ERR_SCRIPT_FAILED');
      expect(observation.error?.message).toContain('Error: no rates');
    });
  });
});
