import { ScriptSandbox, validateRuleFiles } from '@callwatch/rules';
import type { InputEvent } from '@callwatch/windows';
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
      type: 'account', entity: 'customer:acme', name: 'ACME', class: 'gold', status, balance: 10, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: atMs,
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

  it('reports at every tick of a schedule the clock passes, on the entities of the rule\'s scope, as the live scheduler does', () => {
    const replay = new Replay(rules(`
- { id: daily-calls, title: Daily calls, scope: { all: customers }, area: attempts, sample_period: 1h, schedule: "0 8 * * *", timezone: Europe/Berlin, level: info, notify: [] }
- { id: gold-balance, title: Gold balance, scope: { class: gold }, area: balance, schedule: "0 8 * * *", timezone: Europe/Berlin, level: info, notify: [] }
- { id: nobody-calls, title: Nobody, scope: { customer: nobody }, area: attempts, sample_period: 1h, schedule: "0 8 * * *", level: info, notify: [] }
- { id: busy, title: Busy, scope: { customer: acme }, area: attempts, operator: ">=", threshold: 2, sample_period: 1h, level: info, notify: [] }
`), { periodsMs: [3_600_000], latenessMs: 300_000, maxCallMs: 3_600_000 });
    // 08:00 in Berlin is 07:00Z in March, before clocks go forward.
    const at = (iso: string): number => Date.parse(iso);
    const call = (customer: string, id: string, end: string) => cdr(customer, id, at(end) - 10_000, at(end));
    const account = (id: string, cls: string | null, balance: number) =>
      replay.push({ type: 'account', entity: `customer:${id}`, name: id, class: cls, status: 'active', balance, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: at('2026-03-02T05:00:00Z') });
    // Class and `all` scopes cover the entities with accounts: umbrella, with no calls, has 0 attempts; hustle, with no
    // account, is left out.
    account('initech', 'gold', 50);
    account('acme', null, 0);
    account('globex', null, 0);
    account('umbrella', null, 0);
    replay.push(call('hustle', 'h1', '2026-03-02T06:10:00Z'));
    replay.push(call('acme', 'a1', '2026-03-02T06:30:00Z')); // starts the clock: the day's tick is the first
    replay.push(call('acme', 'a2', '2026-03-02T06:40:00Z'));
    replay.push(call('globex', 'g1', '2026-03-02T06:59:59Z'));
    replay.push(call('acme', 'a3', '2026-03-02T07:00:00Z')); // at the tick: counted in its report
    replay.push(call('globex', 'g2', '2026-03-02T07:30:00Z')); // passes the first tick
    replay.push({ type: 'payment', payment_id: 'p1', customer_id: 'initech', amount: 20, status: 'completed', source: 'gateway', at_ms: at('2026-03-02T12:00:00Z') });
    replay.push(call('globex', 'g3', '2026-03-03T06:45:00Z'));
    replay.push(call('acme', 'a4', '2026-03-03T07:00:00.001Z')); // passes the second tick, after it
    replay.push(call('acme', 'a5', '2026-03-03T07:05:00Z'));
    const day1 = at('2026-03-02T07:00:00Z');
    const day2 = at('2026-03-03T07:00:00Z');
    expect(replay.finish()).toEqual([
      { type: 'fired', rule: 'busy', entity: 'customer:acme', value: 2, at: at('2026-03-02T06:40:00Z') },
      { type: 'report', rule: 'daily-calls', entity: 'customer:acme', value: 3, at: day1 },
      { type: 'report', rule: 'daily-calls', entity: 'customer:globex', value: 1, at: day1 },
      { type: 'report', rule: 'daily-calls', entity: 'customer:initech', value: 0, at: day1 },
      { type: 'report', rule: 'daily-calls', entity: 'customer:umbrella', value: 0, at: day1 },
      { type: 'report', rule: 'gold-balance', entity: 'customer:initech', value: 50, at: day1 },
      { type: 'reset', rule: 'busy', entity: 'customer:acme', value: 1, at: at('2026-03-02T07:40:00Z') },
      // A customer scope names its entity, seen or not; this schedule has no time zone: 08:00 UTC.
      { type: 'report', rule: 'nobody-calls', entity: 'customer:nobody', value: null, at: at('2026-03-02T08:00:00Z') },
      // acme's calls of day 1 have left its 1-hour window (a4 came after the tick); initech's payment counts.
      { type: 'report', rule: 'daily-calls', entity: 'customer:acme', value: 0, at: day2 },
      { type: 'report', rule: 'daily-calls', entity: 'customer:globex', value: 1, at: day2 },
      { type: 'report', rule: 'daily-calls', entity: 'customer:initech', value: 0, at: day2 },
      { type: 'report', rule: 'daily-calls', entity: 'customer:umbrella', value: 0, at: day2 },
      { type: 'report', rule: 'gold-balance', entity: 'customer:initech', value: 70, at: day2 },
      { type: 'fired', rule: 'busy', entity: 'customer:acme', value: 2, at: at('2026-03-03T07:05:00Z') },
    ]);
  });

  it('judges for, repeat and a quiet account\'s balance at their deadlines while another customer drives the clock', () => {
    const replay = new Replay(rules(`
- { id: quiet-repeat, title: Quiet repeat, scope: { customer: quiet }, area: attempts, operator: ">=", threshold: 30, sample_period: 30m, repeat: 4m, level: info, notify: [] }
- { id: quiet-for, title: Quiet for, scope: { customer: quiet }, area: attempts, operator: ">=", threshold: 30, sample_period: 30m, for: 3m, level: info, notify: [] }
- { id: quiet-hour, title: Quiet hour, scope: { customer: quiet }, area: attempts, operator: ">=", threshold: 30, sample_period: 1h, for: 3m, repeat: 4m, level: info, notify: [] }
- { id: wallet-low, title: Wallet low, scope: { customer: wallet }, area: balance, operator: "<", threshold: 10, for: 10m, level: info, notify: [] }
`), { periodsMs: [1_800_000, 3_600_000], latenessMs: 300_000, maxCallMs: 3_600_000 });
    const MIN = 60_000;
    // 40 calls in under a minute, then silence; the 30th ends at t + 43.5 s.
    for (let i = 0; i < 40; i++) replay.push(cdr('quiet', `q${i}`, t + i * 1_500 - 500, t + i * 1_500));
    replay.push({ type: 'account', entity: 'customer:wallet', name: 'Wallet', class: null, status: 'active', balance: 5, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: t + 30_000 });
    // Another customer's calls, one every 10 s until t + 21 min, move the clock; the quiet ones never change again.
    for (let ms = 60_000; ms <= 21 * MIN; ms += 10_000) replay.push(cdr('busy', `b${ms}`, t + ms - 500, t + ms));
    const tq = t + 43_500;
    const at = (rule: string, type: string, atMs: number, value = 30) => ({ type, rule, entity: 'customer:quiet', value, at: atMs });
    expect(replay.finish()).toEqual([
      at('quiet-repeat', 'fired', tq),
      { type: 'fired', rule: 'wallet-low', entity: 'customer:wallet', value: 5, at: t + 30_000 + 10 * MIN },
      // Deadlines are judged on the last observation: 40 calls in the window by then.
      at('quiet-for', 'fired', tq + 3 * MIN, 40),
      at('quiet-hour', 'fired', tq + 3 * MIN, 40),
      at('quiet-repeat', 'repeated', tq + 4 * MIN, 40),
      at('quiet-hour', 'repeated', tq + 7 * MIN, 40),
      at('quiet-repeat', 'repeated', tq + 8 * MIN, 40),
      at('quiet-hour', 'repeated', tq + 11 * MIN, 40),
      at('quiet-repeat', 'repeated', tq + 12 * MIN, 40),
      at('quiet-hour', 'repeated', tq + 15 * MIN, 40),
      at('quiet-repeat', 'repeated', tq + 16 * MIN, 40),
      at('quiet-hour', 'repeated', tq + 19 * MIN, 40),
      at('quiet-repeat', 'repeated', tq + 20 * MIN, 40),
    ].sort((a, b) => a.at - b.at));
  });

  it('judges a deadline at the time of an event after that event, and one the clock has not passed not at all', () => {
    const replay = new Replay(rules('{ id: slow, title: Slow, scope: { customer: acme }, area: attempts, operator: ">=", threshold: 1, sample_period: 30m, for: 1m, repeat: 1m, level: info, notify: [] }'), { periodsMs: [1_800_000], latenessMs: 300_000, maxCallMs: 3_600_000 });
    replay.push(cdr('acme', 'a1', t - 500, t));
    // At t + 1 min, the deadline of `for`: acme's own call there decides, with its own value (2 calls).
    replay.push(cdr('acme', 'a2', t + 59_000, t + 60_000));
    replay.push(cdr('other', 'o1', t + 119_000, t + 120_000));
    // The repeat at t + 2 min is where the clock is: not passed, not judged.
    expect(replay.finish()).toEqual([{ type: 'fired', rule: 'slow', entity: 'customer:acme', value: 2, at: t + 60_000 }]);
  });

  it('gives script rules no data without a sandbox', () => {
    const replay = new Replay(rules('{ id: any, title: Any, scope: { all: customers }, area: script, script: "return true", level: info, notify: [] }'), { periodsMs: [60_000], latenessMs: 300_000, maxCallMs: 3_600_000 });
    replay.push(cdr('acme', 'a1', t - 500, t));
    expect(replay.finish()).toEqual([]);
  });
});
