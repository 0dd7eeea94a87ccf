import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertRows, createClickHouse, migrate, type HistoryReader, type QueryParams } from '@callwatch/clickhouse';
import { validateRuleFiles } from '@callwatch/rules';
import type { Rule } from '@callwatch/schemas';
import type { InputEvent } from '@callwatch/windows';
import { backtest, backtestReplayOptions, compareBacktest, liveRules } from './backtest';
import { backtestBeforeApply, compareResults, formatChange } from './backtest-report';
import { replayFile } from './commands/replay';
import { withHistory } from './history';
import { Replay, type ReplayOutput } from './replay';

const rules = (text: string): Rule[] => {
  const { rules: parsed, errors } = validateRuleFiles([{ path: 'rules.yaml', text }], { knownTemplates: new Set(['asr', 'balance', 'attempts']), appliedBy: 'test', now: 0 });
  expect(errors).toEqual([]);
  return parsed;
};
const lowAsr = (threshold: number, extra = '') =>
  rules(`{ id: low-asr, title: Low ASR, scope: { all: customers }, area: asr, operator: "<", threshold: ${threshold}, sample_period: 5m, min_attempts: 5, level: warning, notify: []${extra} }`)[0] as Rule;
const LOW_ASR = lowAsr(30, ', reset_threshold: 40');
const LOW_BALANCE = rules('{ id: low-balance, title: Low balance, scope: { customer: acme }, area: balance, operator: "<", threshold: 10, level: warning, notify: [] }')[0] as Rule;

const MINUTE = 60_000;
// History keeps CDRs 90 days (rows past their TTL are dropped at insert): two days ago, on a whole hour.
const T = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;

// ASR per phase of a customer's traffic: one CDR every 10 s for an hour, answered k times in each run of 10.
const phases = (spec: Array<[untilMinute: number, answeredOfTen: number]>) => (minute: number, k: number) =>
  k % 10 < (spec.find(([until]) => minute < until) as [number, number])[1];
const cdr = (customer: string, id: string, endMs: number, answered: boolean, carrier = 'c1'): InputEvent => ({
  type: 'cdr', cdr_id: id, switch_id: 'sw1', customer_id: customer, carrier_id: carrier, call_id: null, start_ms: endMs - 20_000,
  answer_ms: answered ? endMs - 18_000 : null, end_ms: endMs, sip_code: answered ? 200 : 486, pdd_ms: 1_500, caller: null, callee: '4420',
  destination: '44', charge: answered ? 1 : 0, cost: answered ? 0.5 : null, currency: 'USD',
});
const traffic = (customer: string, offsetMs: number, answered: (minute: number, k: number) => boolean): InputEvent[] =>
  Array.from({ length: 360 }, (_, k) => cdr(customer, `${customer}-${k}`, T + k * 10_000 + offsetMs, answered(Math.floor((k * 10_000) / MINUTE), k)));

// acme: 50 % ASR, 10 % from minute 20, 60 % from minute 35; beta: 50 %, 10 % from minute 40 to 50.
const ACME = traffic('acme', 1_234, phases([[20, 5], [35, 1], [60, 6]]));
const BETA = traffic('beta', 6_234, phases([[40, 5], [50, 1], [60, 5]]));
const ACCOUNT: InputEvent = {
  type: 'account', entity: 'customer:acme', name: 'ACME', class: null, status: 'active', balance: 100, debit_limit: null, currency: 'USD',
  emails: [], phones: [], timezone: null, locale: null, at_ms: T - 10 * MINUTE,
};
const PAYMENT: InputEvent = { type: 'payment', payment_id: 'p1', customer_id: 'acme', amount: 50, status: 'completed', source: 'portal', at_ms: T + 5 * MINUTE + 500 };
// Every event of the first hour, in event time (each partition's offsets follow it, so this is also the live order).
const HOUR = [ACCOUNT, PAYMENT, ...ACME, ...BETA].sort((a, b) => time(a) - time(b));
const END = T + 60 * MINUTE; // after the last event, on no bucket edge of any window
// `late`, three hours on: its fourth CDR was published after a newer one, 8 minutes behind it (lateness is 5).
const LATE = [10, 11, 20, 12].map((minute, i) => cdr('late', `late-${i}`, T + 3 * 3_600_000 + minute * MINUTE, true));

function time(e: InputEvent): number {
  return e.type === 'cdr' ? e.end_ms : e.type === 'call_start' ? e.start_ms : e.at_ms;
}

const summary = (outputs: ReplayOutput[]) => outputs.map((o) => `${o.type} ${o.rule} ${o.entity}`);

describe('backtest', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const history = <T>(fn: (h: HistoryReader) => Promise<T>) => withHistory(env, fn);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-backtest-'));
    // No recorder answers on port 1, so the CLI opens the embedded folder itself.
    env = { CLICKHOUSE_PATH: join(dir, 'chdb'), RECORDER_URL: 'http://127.0.0.1:1' };
    const client = createClickHouse({ url: undefined, path: join(dir, 'chdb') });
    try {
      await migrate(client);
      const insert = (table: string, values: object[]) => insertRows(client, table, values as Array<Record<string, unknown>>);
      const where = (topic: string, partition: number) => (e: InputEvent, offset: number) => {
        const { type: _type, ...fields } = e;
        return { ...fields, src_topic: topic, src_partition: partition, src_offset: offset };
      };
      await insert('cdrs', [...ACME.map(where('voip.cdr.v1', 0)), ...BETA.map(where('voip.cdr.v1', 1)), ...LATE.map(where('voip.cdr.v1', 2))]);
      await insert('accounts', [where('billing.account.v1', 0)(ACCOUNT, 0)]);
      await insert('payments', [where('billing.payment.v1', 0)(PAYMENT, 0)]);
      const change = (rule: Rule | null, id: string, atMs: number, offset: number) => ({
        kind: 'rule', id, change: rule ? 'apply' : 'delete', applied_by: 'test', at_ms: atMs, body: rule ? JSON.stringify(rule) : '',
        src_topic: 'callwatch.rule.v1', src_partition: 0, src_offset: offset,
      });
      const gone = { ...LOW_BALANCE, id: 'gone' };
      await insert('config_changes', [
        change(lowAsr(20), 'low-asr', T - 3 * 3_600_000, 0),
        change(LOW_ASR, 'low-asr', T - 2 * 3_600_000, 1),
        change(LOW_BALANCE, 'low-balance', T - 2 * 3_600_000, 2),
        change(gone, 'gone', T - 2 * 3_600_000, 3),
        change(null, 'gone', T - 3_600_000, 4),
      ]);
    } finally {
      await client.close();
    }
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives exactly the transitions Replay gives for the same events read from a JSON lines file', async () => {
    const file = join(dir, 'hour.jsonl');
    writeFileSync(file, HOUR.map((e) => JSON.stringify(e)).join('\n'));
    const set = [LOW_ASR, LOW_BALANCE];
    const range = { fromMs: T - 30 * MINUTE, toMs: END };
    const result = await history((h) => backtest(h, set, range));
    const replayed = await replayFile(set, file, backtestReplayOptions(set));
    expect(result.events).toBe(HOUR.length);
    expect(result.transitions).toEqual(replayed.outputs.filter((o) => o.at >= range.fromMs && o.at < range.toMs));
    expect(summary(result.transitions)).toEqual([
      'fired low-asr customer:acme', 'reset low-asr customer:acme', 'fired low-asr customer:beta', 'reset low-asr customer:beta', 'fired low-balance customer:acme',
    ]);
  }, 60_000);

  it('keeps to the entities asked for, reading only their events', async () => {
    const range = { fromMs: T - 30 * MINUTE, toMs: END };
    const all = await history((h) => backtest(h, [LOW_ASR], range));
    const beta = await history((h) => backtest(h, [LOW_ASR], range, { entities: ['customer:beta'] }));
    expect(beta.events).toBe(BETA.length);
    expect(beta.transitions).toEqual(all.transitions.filter((t) => t.entity === 'customer:beta'));
    expect(summary(beta.transitions)).toEqual(['fired low-asr customer:beta', 'reset low-asr customer:beta']);
    // A carrier's events are the CDRs of every customer through it (and no customer's payments or account).
    const carrier = await history((h) => backtest(h, [LOW_ASR], range, { entities: ['carrier:c1'] }));
    expect(carrier.events).toBe(ACME.length + BETA.length);
    expect(carrier.transitions).toEqual([]);
  }, 60_000);

  it('warms up before the range: windows and balances are as they were when it starts', async () => {
    const full = await history((h) => backtest(h, [LOW_ASR, LOW_BALANCE], { fromMs: T - 30 * MINUTE, toMs: END }));
    const fired = (rule: string) => full.transitions.find((t) => t.type === 'fired' && t.rule === rule && t.entity === 'customer:acme') as ReplayOutput;
    // Ten seconds before acme's ASR fires: only a window holding the 5 minutes before the range can fire it then.
    const asr = await history((h) => backtest(h, [LOW_ASR], { fromMs: fired('low-asr').at - 10_000, toMs: END }, { entities: ['customer:acme'] }));
    expect(asr.transitions[0]).toEqual(fired('low-asr'));
    // From minute 30: the balance starts from the snapshot, the payment and 30 minutes of charges before the range.
    const balance = await history((h) => backtest(h, [LOW_BALANCE], { fromMs: T + 30 * MINUTE, toMs: END }, { entities: ['customer:acme'] }));
    expect(balance.transitions).toEqual([fired('low-balance')]);
    expect(fired('low-balance').at).toBeGreaterThan(T + 30 * MINUTE);
  }, 60_000);

  it('reads a partition in offset order, so a CDR that came late is late as it was live', async () => {
    const busy = rules('{ id: busy, title: Busy, scope: { customer: late }, area: attempts, operator: ">=", threshold: 4, sample_period: 15m, level: info, notify: [] }');
    const range = { fromMs: T + 3 * 3_600_000, toMs: T + 4 * 3_600_000 };
    const result = await history((h) => backtest(h, busy, range));
    expect(result.events).toBe(LATE.length);
    expect(result.transitions).toEqual([]);
    // In event-time order the late CDR would have counted and fired the rule: the order is what decides.
    const sorted = new Replay(busy, backtestReplayOptions(busy));
    for (const e of [...LATE].sort((a, b) => time(a) - time(b))) sorted.push(e);
    expect(summary(sorted.finish())).toEqual(['fired busy customer:late']);
  }, 60_000);

  it('pages through a partition: small pages give what one page gives', async () => {
    const range = { fromMs: T - 30 * MINUTE, toMs: END };
    let queries = 0;
    const counted = (h: HistoryReader): HistoryReader => ({
      ...h,
      rows: <R>(query: string, params?: QueryParams) => {
        queries++;
        return h.rows<R>(query, params);
      },
    });
    const onePage = await history((h) => backtest(h, [LOW_ASR, LOW_BALANCE], range));
    const pages = await history((h) => backtest(counted(h), [LOW_ASR, LOW_BALANCE], range, { pageSize: 7 }));
    expect(pages.events).toBe(onePage.events);
    expect(pages.transitions).toEqual(onePage.transitions);
    expect(queries).toBeGreaterThan((ACME.length + BETA.length) / 7);
  }, 120_000);

  it('reads the live rules from the configuration trail: the newest version of each, without deleted ones', async () => {
    const live = await history(liveRules);
    expect(live.map((r) => [r.id, r.threshold])).toEqual([['low-asr', 30], ['low-balance', 10]]);
  }, 60_000);

  it('compares with the live rules: firings added, removed, moved, kept', async () => {
    const range = { fromMs: T - 30 * MINUTE, toMs: END };
    const compare = (changed: Rule[]) =>
      history(async (h) => {
        const live = await liveRules(h);
        return compareResults(await compareBacktest(h, changed, live, range), range, changed.map((r) => r.id));
      });
    const live = await history((h) => backtest(h, [LOW_ASR], range));
    const liveFired = live.transitions.filter((t) => t.type === 'fired').map((t) => ({ entity: t.entity, firedAt: t.at }));
    const ids = new Set(['low-asr', 'low-balance']);

    const unchanged = await compare([LOW_ASR]);
    expect(unchanged.map((c) => formatChange(c, ids))).toEqual(['low-asr: no change (2 firings, as live)']);

    // Below 5 %: the drops to 10 % no longer fire.
    const [stricter] = await compare([lowAsr(5)]);
    expect(stricter?.removed.map((f) => ({ entity: f.entity, firedAt: f.firedAt }))).toEqual(liveFired);
    expect(stricter?.added).toEqual([]);
    expect(formatChange(stricter!, ids)).toBe('low-asr: 2 firings would no longer happen (customer:acme, customer:beta)');

    // Below 55 %: 50 % already fires, long before the drops: the same alerts, earlier; and while the windows fill in
    // the first minutes (ASR 100 %, 50 %, 66 %…) each customer's alert flaps twice more, which live never did.
    const [looser] = await compare([lowAsr(55)]);
    expect(looser?.moved.map((m) => [m.live.entity, m.changed.firedAt < m.live.firedAt])).toEqual([['customer:acme', true], ['customer:beta', true]]);
    expect(looser?.added.map((f) => [f.entity, f.firedAt < T + 5 * MINUTE])).toEqual([['customer:acme', true], ['customer:beta', true], ['customer:acme', true], ['customer:beta', true]]);
    expect(looser?.removed).toEqual([]);
    expect(formatChange(looser!, ids)).toBe('low-asr: would have fired 4 more times (customer:acme ×2, customer:beta ×2); 2 firings would come at another time (2 earlier, 0 later)');

    // A rule that is not live: all its firings are new.
    const [added] = await compare([{ ...LOW_ASR, id: 'low-asr-2' }]);
    expect(added?.added.map((f) => ({ entity: f.entity, firedAt: f.firedAt }))).toEqual(liveFired);
    expect(formatChange(added!, ids)).toBe('low-asr-2 (new): would have fired 2 more times (customer:acme, customer:beta)');
  }, 120_000);

  it('rules apply --backtest prints the comparison, and only warns when there is no history', async () => {
    const lines: string[] = [];
    const now = END + MINUTE;
    const changes = await backtestBeforeApply([lowAsr(5)], '2d', { env, print: (l) => lines.push(l), now });
    expect(changes?.map((c) => [c.rule, c.removed.length])).toEqual([['low-asr', 2]]);
    expect(lines).toEqual([`backtest since ${new Date(now - 2 * 86_400_000).toISOString()}, against the live rules:`, '  low-asr: 2 firings would no longer happen (customer:acme, customer:beta)']);

    const warned: string[] = [];
    const none = await backtestBeforeApply([lowAsr(5)], '7d', { env: { ...env, CLICKHOUSE_PATH: join(dir, 'none') }, print: (l) => warned.push(l), now });
    expect(none).toBeNull();
    expect(warned).toEqual([expect.stringMatching(/^warning: no backtest \(CW_ERR_HISTORY: no history: .*\); applying anyway$/)]);

    await expect(backtestBeforeApply([lowAsr(5)], 'last week', { env, now })).rejects.toMatchObject({ code: 'CW_ERR_CLI_USAGE' });
  }, 60_000);
});
