import { ScriptSandbox, validateRuleFiles } from '@callwatch/rules';
import type { InputEvent } from '@callwatch/aggregator';
import { Replay } from './replay';

const rules = (text: string) => {
  const { rules: parsed, errors } = validateRuleFiles([{ path: 'rules.yaml', text }], { knownTemplates: new Set(['attempts', 'cps', 'channels']), appliedBy: 'test', now: 0 });
  expect(errors).toEqual([]);
  return parsed;
};
const cdr = (customer: string, id: string, startMs: number, endMs: number, callId: string | null = null): InputEvent => ({
  type: 'cdr', cdr_id: id, switch_id: 'sw', customer_id: customer, carrier_id: null, call_id: callId, start_ms: startMs, answer_ms: null, end_ms: endMs,
  sip_code: 486, pdd_ms: null, caller: null, callee: '44', destination: null, charge: 0, cost: null, currency: 'USD',
});

describe('Replay', () => {
  const t = 1_700_000_000_000; // a whole second

  it('evaluates an idle entity at the exact time a bucket leaves its window', () => {
    const replay = new Replay(rules('{ id: busy, title: Busy, scope: { all: customers }, area: attempts, operator: ">=", threshold: 3, sample_period: 1m, level: info, notify: [] }'), { periodsMs: [60_000], latenessMs: 300_000, maxCallMs: 3_600_000 });
    for (let i = 0; i < 3; i++) replay.push(cdr('idle', `i${i}`, t + i * 1_000 - 500, t + i * 1_000));
    // Only another customer has traffic later: the idle one's first call leaves its 1-minute window at t + 60 s.
    replay.push(cdr('other', 'o1', t + 90_000, t + 90_500));
    expect(replay.finish()).toEqual([
      { type: 'fired', rule: 'busy', entity: 'customer:idle', value: 3, at: t + 2_000 },
      { type: 'reset', rule: 'busy', entity: 'customer:idle', value: 2, at: t + 60_000 },
    ]);
  });

  it('finds the cps peak again among the seconds left when the second that held it leaves the window', () => {
    const replay = new Replay(rules('{ id: burst, title: Burst, scope: { customer: acme }, area: cps, operator: ">=", threshold: 3, sample_period: 1m, level: info, notify: [] }'), { periodsMs: [60_000], latenessMs: 300_000, maxCallMs: 3_600_000 });
    for (const [i, startMs] of [t, t + 200, t + 400, t + 30_000, t + 30_500].entries()) replay.push(cdr('acme', `b${i}`, startMs, startMs + 1_000));
    replay.push(cdr('other', 'o1', t + 70_000, t + 70_500));
    // Three starts in second t, two in second t + 30 s: the peak falls to 2 when second t leaves, at t + 60 s.
    expect(replay.finish()).toEqual([
      { type: 'fired', rule: 'burst', entity: 'customer:acme', value: 3, at: t + 1_400 },
      { type: 'reset', rule: 'burst', entity: 'customer:acme', value: 2, at: t + 60_000 },
    ]);
  });

  it('emits the enforcer\'s disable with the fire time plus the penalty, and enable when the clock passes its end', () => {
    const replay = new Replay(rules('{ id: busy, title: Busy, scope: { all: customers }, area: attempts, operator: ">=", threshold: 2, sample_period: 5m, penalty: 1m, level: info, notify: [] }'), { periodsMs: [300_000], latenessMs: 300_000, maxCallMs: 3_600_000 });
    replay.push(cdr('acme', 'a1', t - 500, t));
    replay.push(cdr('acme', 'a2', t + 500, t + 1_000));
    replay.push(cdr('other', 'o1', t + 90_000, t + 90_500));
    expect(replay.finish()).toEqual([
      { type: 'fired', rule: 'busy', entity: 'customer:acme', value: 2, at: t + 1_000 },
      { type: 'disable', rule: 'busy', entity: 'customer:acme', at: t + 1_000, until: t + 61_000 },
      { type: 'enable', rule: 'busy', entity: 'customer:acme', at: t + 61_000, until: t + 61_000 },
    ]);
  });

  it('fires event rules on payments, account status changes and its own penalty actions, as the live evaluator does', () => {
    const replay = new Replay(rules(`
- { id: busy, title: Busy, scope: { customer: acme }, area: attempts, operator: ">=", threshold: 2, sample_period: 5m, penalty: 1m, level: info, notify: [] }
- { id: paid, title: Paid, scope: { all: customers }, area: event, event: payment_completed, filter: { source: { not: portal } }, level: info }
- { id: suspended, title: Suspended, scope: { class: gold }, area: event, event: account_status_changed, filter: { status: inactive }, level: warning }
- { id: penalized, title: Penalized, scope: { customer: acme }, area: event, event: penalty_applied, level: error }
- { id: lifted, title: Lifted, scope: { all: customers }, area: event, event: penalty_lifted, filter: { rule_id: busy }, level: info }
`), { periodsMs: [300_000], latenessMs: 300_000, maxCallMs: 3_600_000 });
    const account = (status: 'active' | 'inactive', atMs: number): InputEvent => ({
      type: 'account', entity: 'customer:acme', name: 'ACME', class: 'gold', status, balance: 10, debit_limit: null, currency: 'USD', emails: [], phones: [], at_ms: atMs,
    });
    const payment = (id: string, source: string, status: 'completed' | 'pending', atMs: number): InputEvent => ({
      type: 'payment', payment_id: id, customer_id: 'acme', amount: 25, status, source, at_ms: atMs,
    });
    replay.push(account('active', t - 2_000)); // the first snapshot of an account is no change
    replay.push(payment('p1', 'portal', 'completed', t - 1_500)); // filtered out
    replay.push(payment('p2', 'gateway', 'pending', t - 1_400)); // not completed
    replay.push(payment('p3', 'gateway', 'completed', t - 1_000));
    replay.push(account('active', t - 900)); // the same status: no change
    replay.push(account('inactive', t - 800));
    replay.push(cdr('acme', 'a1', t - 500, t));
    replay.push(cdr('acme', 'a2', t + 500, t + 1_000));
    replay.push(cdr('other', 'o1', t + 90_000, t + 90_500));
    expect(replay.finish()).toEqual([
      { type: 'fired', rule: 'paid', entity: 'customer:acme', value: 25, at: t - 1_000 },
      { type: 'fired', rule: 'suspended', entity: 'customer:acme', value: null, at: t - 800 },
      { type: 'fired', rule: 'busy', entity: 'customer:acme', value: 2, at: t + 1_000 },
      { type: 'disable', rule: 'busy', entity: 'customer:acme', at: t + 1_000, until: t + 61_000 },
      { type: 'fired', rule: 'penalized', entity: 'customer:acme', value: null, at: t + 1_000 },
      { type: 'enable', rule: 'busy', entity: 'customer:acme', at: t + 61_000, until: t + 61_000 },
      { type: 'fired', rule: 'lifted', entity: 'customer:acme', value: null, at: t + 61_000 },
    ]);
  });

  it('counts channels and the cps peak from call starts, as the live aggregator does', () => {
    const replay = new Replay(rules(`
- { id: busy-lines, title: Lines, scope: { customer: acme }, area: channels, operator: ">=", threshold: 2, level: info, notify: [] }
- { id: burst, title: Burst, scope: { customer: acme }, area: cps, operator: ">=", threshold: 3, sample_period: 1m, level: info, notify: [] }
`), { periodsMs: [60_000], latenessMs: 300_000, maxCallMs: 3_600_000 });
    const start = (id: string, ms: number): InputEvent => ({ type: 'call_start', call_id: id, customer_id: 'acme', carrier_id: null, start_ms: ms });
    replay.push(start('a', t + 100));
    replay.push(start('b', t + 200));
    replay.push(cdr('acme', 'cdr-a', t + 100, t + 5_000, 'a'));
    // c has no call-start event: its CDR's start counts, in the same second as a and b.
    replay.push(cdr('acme', 'cdr-c', t + 300, t + 6_000, 'c'));
    expect(replay.finish()).toEqual([
      { type: 'fired', rule: 'busy-lines', entity: 'customer:acme', value: 2, at: t + 200 },
      { type: 'reset', rule: 'busy-lines', entity: 'customer:acme', value: 1, at: t + 5_000 },
      { type: 'fired', rule: 'burst', entity: 'customer:acme', value: 3, at: t + 6_000 },
    ]);
  });

  it('runs script rules in the sandbox it is given, and collects the errors of those that fail', async () => {
    const scripts = await ScriptSandbox.create();
    try {
      const replay = new Replay(rules(`
- { id: failing, title: Failing, scope: { all: customers }, area: script, script: "return m.attempts >= 3 && m.asr === 0", sample_period: 1m, level: info, notify: [] }
- { id: busy-share, title: Busy share, scope: { customer: acme }, area: script, script: "return m.codes['486'] / m.attempts * 100", operator: ">=", threshold: 50, sample_period: 1m, min_attempts: 2, level: info, notify: [] }
- { id: broken, title: Broken, scope: { customer: acme }, area: script, script: "return m.asr.toFixed(", level: info, notify: [] }
`), { periodsMs: [60_000], latenessMs: 300_000, maxCallMs: 3_600_000 }, scripts);
      for (let i = 0; i < 3; i++) replay.push(cdr('acme', `a${i}`, t + i * 1_000 - 500, t + i * 1_000));
      replay.push(cdr('other', 'o1', t + 90_000, t + 90_500));
      expect(replay.finish()).toEqual([
        // busy-share needs 2 attempts in its window: 100% of calls ended 486.
        { type: 'fired', rule: 'busy-share', entity: 'customer:acme', value: 100, at: t + 1_000 },
        { type: 'fired', rule: 'failing', entity: 'customer:acme', value: 1, at: t + 2_000 },
        { type: 'reset', rule: 'failing', entity: 'customer:acme', value: 0, at: t + 60_000 },
      ]);
      expect([...replay.scriptErrors].map(([rule, { error }]) => [rule, error.code])).toEqual([['broken', 'CW_ERR_SCRIPT_FAILED']]);
    } finally {
      scripts.dispose();
    }
  });

  it('gives script rules no data without a sandbox', () => {
    const replay = new Replay(rules('{ id: any, title: Any, scope: { all: customers }, area: script, script: "return true", level: info, notify: [] }'), { periodsMs: [60_000], latenessMs: 300_000, maxCallMs: 3_600_000 });
    replay.push(cdr('acme', 'a1', t - 500, t));
    expect(replay.finish()).toEqual([]);
  });
});
