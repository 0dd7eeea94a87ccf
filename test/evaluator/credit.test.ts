import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { applyRules, entityStatus } from '@callwatch/cli';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import { scheduleTicks } from '@callwatch/rules';
import type { Account, AlertEvent } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

// A postpay customer with a debit limit of 100 spends from −10 to −85; one without a limit spends the same.
describe('credit and credit_used gauges, from account snapshots to alerts, on real Kafka and Redis', () => {
  let scope: TestScope;
  let aggregator: Aggregator | undefined;
  let evaluator: Evaluator | undefined;
  let switches: Connection;
  // The evaluator's clock stays put until the test moves it to a report tick.
  let clock = Date.now();
  const limited = 'customer:limited';
  const unlimited = 'customer:unlimited';

  beforeAll(async () => {
    scope = await testScope('credit', { EVALUATOR_SCHEDULE_CHECK_MS: '200' });
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-credit-'));
    writeFileSync(join(dir, 'rules.yaml'), `
- { id: credit-nearly-used, title: Credit nearly used, scope: { class: postpay }, area: credit_used, operator: ">=", threshold: 80, level: warning }
- { id: low-credit, title: Low credit, scope: { all: customers }, area: credit, operator: "<", threshold: 20, level: info }
- { id: credit-report, title: Credit used, scope: { class: postpay }, area: credit_used, level: info, schedule: "* * * * *" }
`);
    await applyRules([dir], { env: scope.env, appliedBy: 'test', print: () => {} });
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr', 'account']);
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    evaluator = await startEvaluator(loadConfig(EVALUATOR_ENV, scope.env), { now: () => clock });
    await eventually(async () => expect([...(evaluator?.rules.values() ?? [])].length).toBe(3));
  });

  afterAll(async () => {
    await switches?.close();
    await evaluator?.stop();
    await aggregator?.stop();
  });

  it('fires credit_used >= 80 and credit < 20 for the limited account only, shows both in status, and reports them', async () => {
    const t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const account = (entity: string, debitLimit: number | null): Account => ({
      entity, name: entity, class: 'postpay', status: 'active', balance: -10, debit_limit: debitLimit, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: t,
    });
    await switches.publisher.publish(switches.topics.account, 'account', [limited, unlimited].map((e, i) => ({ key: e, value: account(e, i === 0 ? 100 : null) })));
    await eventually(async () => expect(await entityStatus(limited, scope.env)).toMatchObject({ balance: -10, credit: 90, creditUsed: 10 }));
    await eventually(async () => expect(await entityStatus(unlimited, scope.env)).toMatchObject({ balance: -10, credit: null, creditUsed: null }));

    // Spending 75 takes the limited account to −85: 85 % of its limit used, 15 left.
    const spend = (customer: string) => [30, 45].map((charge, i) => cdr(customer, true, t + (i + 1) * 1_000, { cdr_id: `${customer}-${i}`, carrier_id: null, charge }));
    await switches.publisher.publish(switches.topics.cdr, 'cdr', ['limited', 'unlimited'].flatMap((c) => spend(c).map((value) => ({ key: `customer:${c}`, value }))));
    const fired = await collect(scope, scope.topics.alert, 'alert', (m) => m.filter((a) => a.value.type === 'fired').length >= 2);
    const summary = (a: AlertEvent) => [a.type, a.rule_id, a.entity, a.area, a.value, a.sample_period_ms];
    expect(fired.map((m) => summary(m.value)).sort()).toEqual([
      ['fired', 'credit-nearly-used', limited, 'credit_used', 85, null],
      ['fired', 'low-credit', limited, 'credit', 15, null],
    ]);
    await eventually(async () => expect(await entityStatus(limited, scope.env)).toMatchObject({ balance: -85, credit: 15, creditUsed: 85 }));
    await eventually(async () => expect(await entityStatus(unlimited, scope.env)).toMatchObject({ balance: -85, credit: null, creditUsed: null }));

    // A report carries the value, or null for the account without a limit; still no alert for it.
    // The first tick after the evaluator's frozen clock: every tick between that clock and the new one is reported.
    const tick = scheduleTicks({ cron: '* * * * *', timezone: 'UTC' }, clock, clock + 120_000, 1)[0] as number;
    clock = tick + 5_000;
    const all = await collect(scope, scope.topics.alert, 'alert', (m) => m.filter((a) => a.value.type === 'report').length >= 2);
    expect(all.filter((m) => m.value.type === 'report').map((m) => [m.value.entity, m.value.value, m.value.at_ms]).sort()).toEqual([
      [limited, 85, tick],
      [unlimited, null, tick],
    ]);
    expect(all.filter((m) => m.value.entity === unlimited && m.value.type !== 'report')).toEqual([]);
  });
});
