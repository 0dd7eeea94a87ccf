import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { entityStatus } from '@callwatch/cli';
import { connect, type Connection } from '@callwatch/kafka';
import { connectNodes } from '@callwatch/redis';
import type { Account, Cdr, MetricSnapshot, Payment } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { collect, testScope, type TestScope } from '../support/harness';

describe('aggregator on a real Redis Cluster (three primaries, started by infra/)', () => {
  let scope: TestScope;
  let aggregator: Aggregator | undefined;
  let switches: Connection;
  const clusterUrl = process.env.REDIS_CLUSTER_URL as string;

  beforeAll(async () => {
    scope = await testScope('cluster', { REDIS_URL: clusterUrl, AGGREGATOR_PERIODS: '5m' });
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr', 'payment', 'account']);
    await scope.codec.register('metric', scope.topics.metric);
  });

  afterAll(async () => {
    await switches?.close();
    await aggregator?.stop();
  });

  it('counts customers and carriers whose keys live on different nodes, with balances, and status reads them back', async () => {
    expect(clusterUrl).toMatch(/^redis-cluster:\/\//);
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    const customers = Array.from({ length: 12 }, (_, i) => `c${i}-${scope.id}`);
    const carriers = ['k1', 'k2', 'k3'].map((k) => `${k}-${scope.id}`);
    const end = Date.now();
    // Customer i makes i + 1 calls, the first of them answered, through carrier i mod 3.
    const calls: Cdr[] = customers.flatMap((customer, i) =>
      Array.from({ length: i + 1 }, (_, j) => cdr(customer, j === 0, end, { cdr_id: `${customer}-${j}`, carrier_id: carriers[i % 3] as string, charge: j === 0 ? 1 : 0 })),
    );
    await switches.publisher.publish(switches.topics.cdr, 'cdr', calls.map((c) => ({ key: `customer:${c.customer_id}`, value: c })));
    const rich = customers[0] as string;
    const account: Account = { entity: `customer:${rich}`, name: 'Rich', class: null, status: 'active', balance: 100, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: end - 60_000 };
    const payment: Payment = { payment_id: `pay-${scope.id}`, customer_id: rich, amount: 20, status: 'completed', source: 'portal', at_ms: end - 30_000 };
    await switches.publisher.publish(switches.topics.account, 'account', [{ key: account.entity, value: account }]);
    await switches.publisher.publish(switches.topics.payment, 'payment', [{ key: account.entity, value: payment }]);

    const expected = new Map<string, number>([
      ...customers.map((c, i): [string, number] => [`customer:${c}`, i + 1]),
      ...carriers.map((k, i): [string, number] => [`carrier:${k}`, customers.reduce((n, _, c) => n + (c % 3 === i ? c + 1 : 0), 0)]),
    ]);
    const latest = new Map<string, MetricSnapshot>();
    const wrong = () => [
      ...[...expected].filter(([entity, attempts]) => latest.get(entity)?.windows[0]?.attempts !== attempts)
        .map(([entity, attempts]) => `${entity}: ${latest.get(entity)?.windows[0]?.attempts ?? 'no snapshot'} attempts, expected ${attempts}`),
      ...(latest.get(`customer:${rich}`)?.balance === 119 ? [] : [`customer:${rich}: balance ${latest.get(`customer:${rich}`)?.balance}, expected 119`]),
    ];
    await collect(scope, scope.topics.metric, 'metric', (messages) => {
      // An entity's sides publish concurrently: its newest snapshot is the one of the highest version, not the last.
      for (const { value } of messages) if ((latest.get(value.entity)?.version ?? -1) <= value.version) latest.set(value.entity, value);
      return wrong().length === 0;
    }).catch((err: Error) => {
      throw new Error(`${wrong().join('; ')}\n${err.message}`);
    });
    expect(latest.get(`customer:${customers[3]}`)?.windows[0]).toMatchObject({ attempts: 4, answered: 1, asr: 25 });

    // `callwatch status` reads an entity from the Cluster too.
    expect((await entityStatus(`carrier:${carriers[1]}`, scope.env)).windows[0]?.attempts).toBe(expected.get(`carrier:${carriers[1]}`));
    expect((await entityStatus(`customer:${rich}`, scope.env)).balance).toBe(119);

    // The entities' keys are spread over the nodes, each entity's keys on one of them.
    const nodes = connectNodes(clusterUrl, { name: 'test' });
    try {
      const held = await Promise.all(nodes.map((node) => node.keys(`${scope.env.REDIS_KEY_PREFIX}{*`)));
      expect(held.filter((keys) => keys.length > 0).length).toBeGreaterThan(1);
      const entityNodes = new Map<string, Set<number>>();
      held.forEach((keys, n) => keys.forEach((key) => entityNodes.set(/\{([^}]*)\}/.exec(key)?.[1] as string, (entityNodes.get(/\{([^}]*)\}/.exec(key)?.[1] as string) ?? new Set()).add(n))));
      expect([...entityNodes.values()].every((n) => n.size === 1)).toBe(true);
      // Every primary keeps a copy of the epoch marker: one that restarts empty is noticed by its missing copy.
      const copies = await Promise.all(nodes.map((node) => node.keys(`${scope.env.REDIS_KEY_PREFIX}aggregator:epoch:{*`)));
      expect(copies.map((keys) => keys.length)).toEqual(nodes.map(() => 1));
    } finally {
      nodes.forEach((node) => node.disconnect());
    }
  });
});
