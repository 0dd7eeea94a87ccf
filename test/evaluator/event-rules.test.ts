import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { applyRules } from '@callwatch/cli';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import type { Account } from '@callwatch/schemas';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

// On the standalone Redis, and on the Redis Cluster (three primaries) that infra/ also starts.
describe.each([
  ['a standalone Redis', {}],
  ['a Redis Cluster', { REDIS_URL: process.env.REDIS_CLUSTER_URL }],
])('event rules in the live evaluator, on %s', (_, redisEnv: NodeJS.ProcessEnv) => {
  let scope: TestScope;
  let evaluator: Evaluator;
  let billing: Connection;

  beforeAll(async () => {
    scope = await testScope('event-rules', redisEnv);
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-event-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), `
- { id: paid, title: Payment received, scope: { all: customers }, area: event, event: payment_completed, filter: { source: { not: portal } }, level: info }
- { id: suspended, title: Account suspended, scope: { all: customers }, area: event, event: account_status_changed, filter: { status: inactive }, level: warning }
- { id: penalized, title: Penalty applied, scope: { customer: acme }, area: event, event: penalty_applied, level: error }
`);
    await applyRules([dir], { env: scope.env, appliedBy: 'test', print: () => {} });
    evaluator = await startEvaluator(loadConfig(EVALUATOR_ENV, scope.env));
    await eventually(async () => expect([...evaluator.rules.values()].length).toBe(3));
    billing = await connect(loadConfig(EVALUATOR_ENV, scope.env), `${scope.id}-billing`, ['payment', 'account', 'action']);
  });

  afterAll(async () => {
    await evaluator?.stop();
    await billing?.close();
  });

  it('fires on matching payments, status changes and penalties, once each, and not on the rest', async () => {
    const now = Date.now();
    const account = (status: Account['status'], at: number): Account => ({
      entity: 'customer:acme', name: 'ACME', class: null, status, balance: 10, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: at,
    });
    const payment = (id: string, source: string, status: 'completed' | 'pending', amount: number) =>
      ({ key: 'customer:acme', value: { payment_id: id, customer_id: 'acme', amount, status, source, at_ms: now } });
    await billing.publisher.publish(billing.topics.account, 'account', [{ key: 'customer:acme', value: account('active', now - 2) }]);
    await billing.publisher.publish(billing.topics.payment, 'payment', [
      payment('p1', 'portal', 'completed', 10), payment('p2', 'gateway', 'completed', 25), payment('p3', 'gateway', 'pending', 99),
      // Older than EVALUATOR_EVENT_MAX_AGE_MS: a new consumer group reading history stays quiet.
      { ...payment('p0', 'gateway', 'completed', 5), value: { ...payment('p0', 'gateway', 'completed', 5).value, at_ms: now - 2 * 3_600_000 } },
    ]);
    await billing.publisher.publish(billing.topics.account, 'account', [
      { key: 'customer:acme', value: account('active', now - 1) }, { key: 'customer:acme', value: account('inactive', now) },
    ]);
    await billing.publisher.publish(billing.topics.action, 'action', [
      { key: 'customer:acme', value: { action_id: 'a1', type: 'disable', entity: 'customer:acme', until_ms: now + 60_000, rule_id: 'low-asr', reason: 'ASR 12%', at_ms: now } },
      { key: 'customer:globex', value: { action_id: 'a2', type: 'disable', entity: 'customer:globex', until_ms: now + 60_000, rule_id: 'low-asr', reason: 'ASR 9%', at_ms: now } },
    ]);

    const alerts = await collect(scope, scope.topics.alert, 'alert', (m) => m.length >= 3);
    await new Promise((r) => setTimeout(r, 1_500)); // nothing else may follow
    const all = await collect(scope, scope.topics.alert, 'alert', (m) => m.length >= 3);
    expect(all.length).toBe(3);
    expect(alerts.map((a) => [a.value.rule_id, a.value.type, a.value.area, a.value.value, a.value.level]).sort()).toEqual([
      ['paid', 'fired', 'event', 25, 'info'],
      ['penalized', 'fired', 'event', null, 'error'],
      ['suspended', 'fired', 'event', null, 'warning'],
    ]);
    expect(new Set(alerts.map((a) => a.value.event_id)).size).toBe(3);
  });
});
