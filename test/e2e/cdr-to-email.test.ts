import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entityKey, loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { applyRules } from '@callwatch/cli';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import { NOTIFIER_ENV, startNotifier, type Notifier } from '@callwatch/notifier';
import { cdrs } from '../support/cdrs';
import { collect, eventually, testScope, type TestScope } from '../support/harness';
import { emailsTo } from '../support/moto';

// On the standalone Redis, and on the Redis Cluster (three primaries) that infra/ also starts.
describe.each([
  ['a standalone Redis', {}],
  ['a Redis Cluster', { REDIS_URL: process.env.REDIS_CLUSTER_URL }],
])('a CDR published to Kafka ends as an email received by SES, on %s', (_, redis: NodeJS.ProcessEnv) => {
  let scope: TestScope;
  let aggregator: Aggregator;
  let evaluator: Evaluator;
  let notifier: Notifier;
  let switches: Connection;

  beforeAll(async () => {
    scope = await testScope('e2e', { AGGREGATOR_PERIODS: '5m', NOTIFY_EMAIL_FROM: 'alerts@callwatch.test', ...redis });
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    evaluator = await startEvaluator(loadConfig(EVALUATOR_ENV, scope.env));
    notifier = await startNotifier(loadConfig(NOTIFIER_ENV, scope.env));
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr']);
  });

  afterAll(async () => {
    await switches?.close();
    await Promise.all([aggregator?.stop(), evaluator?.stop(), notifier?.stop()]);
  });

  it('fires once when ASR drops to 30% or below, emails NOC, and resets above 31%', async () => {
    const customer = `acme-${scope.id}`;
    const entity = entityKey('customer', customer);
    const noc = `noc+${scope.id}@example.net`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    const ruleId = `low-asr-${scope.id}`;
    writeFileSync(
      join(dir, 'low-asr.yaml'),
      [
        `id: ${ruleId}`,
        'title: Low ASR Warning',
        `scope: { customer: ${customer} }`,
        'area: asr',
        'operator: "<="',
        'threshold: 30',
        'reset_threshold: 31',
        'sample_period: 5m',
        // The 20 calls may reach the aggregator in several batches: judge only once all are in.
        'min_attempts: 20',
        'level: warning',
        `notify: [ { email: "${noc}" } ]`,
      ].join('\n'),
    );
    const lines: string[] = [];
    const plan = await applyRules([dir], { env: scope.env, appliedBy: 'e2e-test', print: (l) => lines.push(l) });
    expect(plan.create.map((r) => r.id)).toEqual([ruleId]);
    await eventually(async () => expect(evaluator.rules.get(ruleId)).toBeDefined());

    // 20 calls, 4 answered: ASR 20% <= 30% fires.
    const send = (batch: ReturnType<typeof cdrs>) =>
      switches.publisher.publish(switches.topics.cdr, 'cdr', batch.map((c) => ({ key: entity, value: c })));
    await send(cdrs(customer, 20, 4));

    const mine = () => emailsTo(noc);
    const emails = await eventually(async () => {
      const found = await mine();
      expect(found).toHaveLength(1);
      return found;
    }, { timeoutMs: 60_000 });
    expect(emails[0]?.subject).toContain('Low ASR Warning');
    expect(emails[0]?.subject).toContain(customer);
    expect(emails[0]?.body).toContain('20.0%');
    expect(emails[0]?.source).toContain('alerts@callwatch.test');

    // 30 more answered calls: at most 34 of 50 answered (68%); it resets as soon as the window passes 31%.
    await send(cdrs(customer, 30, 30));
    const alerts = await collect(scope, scope.topics.alert, 'alert', (m) => m.some((a) => a.value.type === 'reset'));
    const transitions = alerts.map((a) => a.value).filter((a) => a.entity === entity);
    expect(transitions.map((a) => a.type)).toEqual(['fired', 'reset']);
    expect(transitions[0]).toMatchObject({ rule_id: ruleId, area: 'asr', value: 20, threshold: 30, reset_threshold: 31, operator: '<=', level: 'warning', sample_period_ms: 300_000 });
    expect(transitions[1]?.value).toBeGreaterThan(31);
    expect(transitions[1]?.first_fired_at_ms).toBe(transitions[0]?.at_ms);

    // Still exactly one "fired" email for this customer (the reset sends its own "resolved" email).
    const after = await eventually(async () => {
      const found = await mine();
      expect(found.length).toBeGreaterThanOrEqual(2);
      return found;
    });
    expect(after.filter((m) => !/resolved/i.test(m.subject))).toHaveLength(1);
    expect(after.filter((m) => /resolved/i.test(m.subject))).toHaveLength(1);
  });
});
