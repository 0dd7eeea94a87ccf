import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { applyRules, liftPenalty, listPenalties } from '@callwatch/cli';
import { ENFORCER_ENV, startEnforcer, type Enforcer } from '@callwatch/enforcer';
import { connect, type Connection } from '@callwatch/kafka';
import { createRedis } from '@callwatch/redis';
import type { Action, AlertEvent } from '@callwatch/schemas';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

const RULES = `
- { id: short, title: Short penalty, scope: { all: customers }, area: asr, operator: "<=", threshold: 10, sample_period: 5m, level: critical, penalty: 2s, notify: [] }
- { id: long, title: Long penalty, scope: { all: carriers }, area: asr, operator: "<=", threshold: 10, sample_period: 5m, level: critical, penalty: 1h, notify: [] }
`;

// On the standalone Redis, and on the Redis Cluster (three primaries) that infra/ also starts.
describe.each([
  ['a standalone Redis', {}],
  ['a Redis Cluster', { REDIS_URL: process.env.REDIS_CLUSTER_URL }],
])('enforcer penalties on real Kafka and %s', (_, redis: NodeJS.ProcessEnv) => {
  let scope: TestScope;
  let enforcer: Enforcer | undefined;
  let evaluator: Connection;
  const start = async () => (enforcer = await startEnforcer(loadConfig(ENFORCER_ENV, { ...scope.env, ENFORCER_TICK_MS: '100' })));

  beforeAll(async () => {
    scope = await testScope('enforcer', redis);
    evaluator = await connect(loadConfig(ENFORCER_ENV, scope.env), `${scope.id}-evaluator`, ['alert', 'action']);
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), RULES);
    await applyRules([dir], { env: scope.env, appliedBy: 'test', print: () => {} });
  });

  afterAll(async () => {
    await enforcer?.stop();
    await evaluator?.close();
  });

  const fire = (rule: string, entity: string, atMs: number) => {
    const alert: AlertEvent = {
      event_id: `${rule}-${entity}-${atMs}`, type: 'fired', rule_id: rule, rule_title: rule, entity, area: 'asr', value: 5, threshold: 10, reset_threshold: null,
      operator: '<=', level: 'critical', sample_period_ms: 300_000, at_ms: atMs, first_fired_at_ms: atMs, test: false,
    };
    return evaluator.publisher.publish(evaluator.topics.alert, 'alert', [{ key: entity, value: alert }]);
  };
  const actionsOf = async (entity: string, count: number): Promise<Action[]> => {
    const seen = await collect(scope, scope.topics.action, 'action', (m) => m.filter((a) => a.value.entity === entity).length >= count);
    return seen.map((a) => a.value).filter((a) => a.entity === entity);
  };

  it('disables on a fired alert, extends on a second, and enables once when the penalty ends, across a restart', async () => {
    await start();
    const entity = `customer:acme-${scope.id}`;
    const at = Date.now();
    await fire('short', entity, at);
    expect(await actionsOf(entity, 1)).toMatchObject([{ type: 'disable', until_ms: at + 2_000, rule_id: 'short', reason: 'Short penalty: asr 5 <= 10' }]);
    await fire('short', entity, at + 500);
    expect((await actionsOf(entity, 2))[1]).toMatchObject({ type: 'disable', until_ms: at + 2_500 });
    expect(await listPenalties(scope.env)).toMatchObject([{ entity, until_ms: at + 2_500, rule_id: 'short' }]);

    // The enforcer is down when the penalty ends; the next one enables the entity at once, exactly once.
    await enforcer?.stop();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at + 2_600 - Date.now())));
    await start();
    const actions = await actionsOf(entity, 3);
    expect(actions.map((a) => [a.type, a.until_ms, a.at_ms])).toEqual([['disable', at + 2_000, at], ['disable', at + 2_500, at + 500], ['enable', null, at + 2_500]]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await actionsOf(entity, 3)).toHaveLength(3);
    expect(await listPenalties(scope.env)).toEqual([]);
  });

  it('applies a redelivered alert once, and a lift publishes one enable with who lifted it', async () => {
    enforcer ??= await start();
    const entity = `carrier:tel-${scope.id}`;
    const at = Date.now();
    await fire('long', entity, at);
    expect(await actionsOf(entity, 1)).toMatchObject([{ type: 'disable', until_ms: at + 3_600_000 }]);

    // Rewind the enforcer's group as a crash before its commit would: the same alert comes again.
    await enforcer?.stop();
    const admin = scope.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: scope.env.ENFORCER_GROUP_ID as string, topic: scope.topics.alert, earliest: true });
    await admin.disconnect();
    await start();
    await fire('long', `carrier:other-${scope.id}`, at); // a marker: once it is disabled, the rewound alerts were read
    await actionsOf(`carrier:other-${scope.id}`, 1);
    expect(await actionsOf(entity, 1)).toHaveLength(1);

    const lifted = await liftPenalty(entity, { by: 'noc', reason: 'customer paid', env: scope.env });
    expect(lifted).toMatchObject({ type: 'enable', entity, reason: 'lifted by noc: customer paid' });
    expect((await actionsOf(entity, 2))[1]).toMatchObject({ type: 'enable', reason: 'lifted by noc: customer paid' });
    await expect(liftPenalty(entity, { env: scope.env })).rejects.toThrow(/has no active penalty/);
    expect((await listPenalties(scope.env)).map((p) => p.entity)).toEqual([`carrier:other-${scope.id}`]);
  });

  // What Redis restarting empty does to this test's keys (the chaos suite restarts a real one).
  const loseRedisState = async () => {
    const client = createRedis(scope.env.REDIS_URL as string, { name: 'test' });
    await client.exists(scope.env.REDIS_KEY_PREFIX as string); // connected, a Cluster client knows its primaries
    const nodes = 'nodes' in client && typeof client.nodes === 'function' ? (client.nodes as (role: string) => typeof client[])('master') : [client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${scope.env.REDIS_KEY_PREFIX}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) await node.del(key);
      } while (cursor !== '0');
    }
    client.disconnect();
  };

  it('puts back the running penalties from the action topic when Redis lost them, and enables each once', async () => {
    enforcer ??= await start();
    const ending = `customer:lost-${scope.id}`;
    const running = `carrier:lost-${scope.id}`;
    const at = Date.now();
    await fire('short', ending, at);
    await fire('long', running, at);
    await eventually(async () => expect((await listPenalties(scope.env)).map((p) => p.entity)).toEqual(expect.arrayContaining([ending, running])));
    await loseRedisState();
    expect((await actionsOf(ending, 2)).map((a) => [a.type, a.until_ms])).toEqual([['disable', at + 2_000], ['enable', null]]);
    expect(await listPenalties(scope.env)).toEqual(expect.arrayContaining([expect.objectContaining({ entity: running, until_ms: at + 3_600_000, rule_id: 'long' })]));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await actionsOf(ending, 2)).toHaveLength(2);
    expect(await actionsOf(running, 1)).toHaveLength(1);
  });
});
