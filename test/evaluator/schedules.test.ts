import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { applyRules, entityStatus } from '@callwatch/cli';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import { scheduleTicks } from '@callwatch/rules';
import type { Account } from '@callwatch/schemas';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

const DAY_MS = 86_400_000;
const BERLIN_8AM = { cron: '0 8 * * *', timezone: 'Europe/Berlin' };

// The evaluators run on a clock the test moves, so a daily schedule is due without waiting for 08:00 in Berlin.
// On the standalone Redis, and on the Redis Cluster (three primaries) that infra/ also starts.
describe.each([
  ['a standalone Redis', {}],
  ['a Redis Cluster', { REDIS_URL: process.env.REDIS_CLUSTER_URL }],
])('report rules (schedules) in the live evaluator, on %s', (_, redisEnv: NodeJS.ProcessEnv) => {
  let scope: TestScope;
  let aggregator: Aggregator;
  let billing: Connection;
  const running: Evaluator[] = [];
  let clock = Date.now();
  // The first 08:00 in Berlin after the rules were applied; the test then moves a day at a time.
  let tick = 0;

  const start = async (): Promise<Evaluator> => {
    const evaluator = await startEvaluator(loadConfig(EVALUATOR_ENV, scope.env), { now: () => clock });
    running.push(evaluator);
    return evaluator;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  };
  type Report = [string, string, number | null, string];
  const reports = async (count: number): Promise<Report[]> => {
    const seen = await collect(scope, scope.topics.alert, 'alert', (m) => m.length >= count);
    // Only reports: a report rule is never judged on the metric snapshots the aggregator publishes for these entities.
    expect(seen.every((m) => m.value.type === 'report' && m.key === m.value.entity)).toBe(true);
    expect(new Set(seen.map((m) => m.value.event_id)).size).toBe(seen.length);
    return seen.map(({ value: a }): Report => [a.rule_id, a.entity, a.value, new Date(a.at_ms).toISOString()]).sort();
  };
  // Several checks (every 200 ms) pass; nothing may follow what was collected.
  const settle = () => new Promise((r) => setTimeout(r, 2_000));

  beforeAll(async () => {
    scope = await testScope('schedules', { EVALUATOR_SCHEDULE_CHECK_MS: '200', EVALUATOR_SCHEDULE_CATCHUP_MS: '1h', ...redisEnv });
    billing = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-billing`, ['account']);
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    const account = (entity: string, cls: string | null, balance: number): Account => ({
      entity, name: entity, class: cls, status: 'active', balance, debit_limit: null, currency: 'EUR', emails: [], phones: [], timezone: null, locale: null, at_ms: Date.now() - 60_000,
    });
    const accounts = [account('customer:gold-a', 'gold', 50), account('customer:gold-b', 'gold', 12.5), account('carrier:gold-c', 'gold', -3), account('customer:silver', 'silver', 99)];
    await billing.publisher.publish(billing.topics.account, 'account', accounts.map((a) => ({ key: a.entity, value: a })));
    // The balances the reports carry are the aggregator's, in Redis.
    for (const [entity, balance] of [['customer:gold-a', 50], ['customer:gold-b', 12.5], ['carrier:gold-c', -3]] as const) {
      await eventually(async () => expect((await entityStatus(entity, scope.env)).balance).toBe(balance));
    }
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-schedules-'));
    writeFileSync(join(dir, 'rules.yaml'), `
- { id: daily-balance, title: Daily balance, scope: { class: gold }, area: balance, level: info, schedule: "0 8 * * *", timezone: Europe/Berlin, notify: [ { contacts: true } ] }
- { id: acme-asr, title: ACME ASR, scope: { customer: acme }, area: asr, sample_period: 5m, level: info, schedule: "0 8 * * *", timezone: Europe/Berlin }
`);
    await applyRules([dir], { env: scope.env, appliedBy: 'test', print: () => {} });
    tick = scheduleTicks(BERLIN_8AM, Date.now(), Date.now() + 2 * DAY_MS, 1)[0] as number;
    clock = Date.now();
  });

  afterAll(async () => {
    await stopAll();
    await aggregator?.stop();
    await billing?.close();
  });

  it('sends one report per entity in scope at the tick, with its value, and nothing before', async () => {
    const evaluator = await start();
    await eventually(async () => expect([...evaluator.rules.values()].length).toBe(2));
    await settle();
    clock = tick - 1_000;
    await settle();
    clock = tick + 5_000;
    const at = new Date(tick).toISOString();
    const sent = await reports(4);
    await settle();
    expect(await reports(4)).toEqual(sent);
    expect(sent).toEqual([
      ['acme-asr', 'customer:acme', null, at],
      ['daily-balance', 'carrier:gold-c', -3, at],
      ['daily-balance', 'customer:gold-a', 50, at],
      ['daily-balance', 'customer:gold-b', 12.5, at],
    ]);
  });

  it('sends nothing twice: not from a second evaluator, nor after a restart', async () => {
    await start();
    await settle();
    await stopAll();
    await start();
    await settle();
    expect((await reports(4)).length).toBe(4);
  });

  it('sends a tick missed while no evaluator ran if it is within the catch-up, and skips older ones', async () => {
    await stopAll();
    clock = tick + DAY_MS + 30 * 60_000; // 08:30 the next day: the 08:00 report is half an hour late
    await start();
    const late = new Date(tick + DAY_MS).toISOString();
    const sent = await reports(8);
    expect(sent.filter((r) => r[3] === late)).toEqual([
      ['acme-asr', 'customer:acme', null, late],
      ['daily-balance', 'carrier:gold-c', -3, late],
      ['daily-balance', 'customer:gold-a', 50, late],
      ['daily-balance', 'customer:gold-b', 12.5, late],
    ]);

    await stopAll();
    clock = tick + 2 * DAY_MS + 2 * 3_600_000; // 10:00 the day after: two hours late, past the catch-up
    await start();
    await settle();
    expect((await reports(8)).length).toBe(8);
  });
});
