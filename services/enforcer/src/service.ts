import { randomUUID } from 'node:crypto';
import { Counter } from 'prom-client';
import { loadConfig, startTicker, type ConfigOf } from '@callwatch/core';
import { CompactedTable, consume, startRuntime, type Runtime } from '@callwatch/kafka';
import { PenaltyStore, RedisKeys, createRedis } from '@callwatch/redis';
import { shownUrl } from '@callwatch/notify/webhook';
import { decidePenalty, enableAction, type Penalty } from '@callwatch/rules';
import type { Action } from '@callwatch/schemas';
import { startActionWebhook } from './action-webhook';
import { actionWebhookSettings, checkActionTargets } from './action-webhook-settings';
import { ENFORCER_ENV } from './config';

/** EnforcerConfig is the parsed ENFORCER_ENV. */
export type EnforcerConfig = ConfigOf<typeof ENFORCER_ENV>;

/** Enforcer is a running enforcer: fired alerts with a penalty in, `disable` and `enable` actions out. */
export interface Enforcer {
  runtime: Runtime;
  stop(): Promise<void>;
}

/** startEnforcer wires the enforcer from its configuration (the environment by default). */
export async function startEnforcer(config: EnforcerConfig = loadConfig(ENFORCER_ENV)): Promise<Enforcer> {
  const webhookSettings = actionWebhookSettings(config);
  const unresolved = webhookSettings ? await checkActionTargets(webhookSettings) : [];
  const runtime = await startRuntime('enforcer', config, ['alert', 'action', 'rule']);
  const { log, topics, publisher, health } = runtime;
  for (const { url, err } of unresolved) log.warn({ url: shownUrl('webhook', url), err }, 'an ACTION_WEBHOOK_URL host does not resolve yet; its actions wait for it');
  const redis = createRedis(config, { name: 'callwatch-enforcer', log });
  const store = new PenaltyStore(redis, new RedisKeys(config.REDIS_KEY_PREFIX));
  const owner = `enforcer-${randomUUID().slice(0, 8)}`;
  const actions = new Counter({ name: 'callwatch_enforcer_actions_total', help: 'penalty actions published', labelNames: ['type'], registers: [health.registry] });
  health.addCheck('redis', () => redis.status === 'ready');
  const publish = async (list: Action[]) => {
    await publisher.publish(topics.action, 'action', list.map((a) => ({ key: a.entity, value: a })));
    for (const a of list) {
      actions.inc({ type: a.type });
      log.info({ entity: a.entity, type: a.type, until: a.until_ms, rule: a.rule_id }, `${a.type} ${a.entity}`);
    }
  };

  // A rule's penalty is read from the rule topic: the alert event does not carry it.
  const rules = new CompactedTable({ ...runtime, log, topic: topics.rule, schema: 'rule', groupPrefix: `${config.ENFORCER_GROUP_ID}-rules` });
  await rules.start();
  // The newest action of each entity, from the enforcers' own output: what Redis held, should it lose it.
  const lastActions = new CompactedTable({ ...runtime, log, topic: topics.action, schema: 'action', groupPrefix: `${config.ENFORCER_GROUP_ID}-actions`, deadLetter: false });
  await lastActions.start();

  // Penalties live in Redis. Redis that restarts empty (or is flushed) loses them, while the alerts that began them
  // are long committed: without this, those entities would never be enabled. The newest action of an entity that is
  // a `disable` is a penalty still running (or ended and not yet enabled), so it is put back and ended as usual.
  const restoreLostPenalties = async (): Promise<void> => {
    if (await store.complete()) return;
    const disables = [...lastActions.values()].flatMap((a) => (a.type === 'disable' && a.until_ms !== null
      ? [{ entity: a.entity, penalty: { until_ms: a.until_ms, rule_id: a.rule_id, reason: a.reason }, sinceMs: a.at_ms }] : []));
    const restored = await store.restore(disables);
    if (restored > 0) log.warn({ restored }, 'Redis held none of the penalties the action topic shows running (Redis lost its state): restored them');
  };
  await restoreLostPenalties();

  const consumer = await consume(runtime, {
    groupId: config.ENFORCER_GROUP_ID,
    topic: topics.alert,
    schema: 'alert',
    deadLetter: false,
    handle: async (batch) => {
      const source = `${batch.topic}/${batch.partition}`;
      const entities = [...new Set(batch.messages.map((m) => m.value.entity))];
      const current = await store.current(entities);
      const changes = new Map<string, { offset: number; penalty: Penalty | null; sinceMs: number }>();
      const disables: Action[] = [];
      for (const { offset, value: alert } of batch.messages) {
        const decision = decidePenalty(current.get(alert.entity) ?? null, alert, rules.get(alert.rule_id));
        const change = changes.get(alert.entity) ?? { offset: Number(offset), penalty: null, sinceMs: alert.at_ms };
        change.offset = Number(offset);
        if (decision) {
          current.set(alert.entity, decision.penalty);
          change.penalty = decision.penalty;
          disables.push(decision.action);
        }
        changes.set(alert.entity, change);
      }
      // Publish before saving: a crash in between re-publishes the same action ids; the other order could lose one.
      await publish(disables);
      for (const [entity, { offset, penalty, sinceMs }] of changes) await store.apply(entity, source, offset, penalty, sinceMs);
    },
  });

  // Ends penalties by the wall clock: a penalty of 1 h disables for an hour. Whatever ended while no enforcer ran is
  // enabled at the first tick.
  const endPenalties = async (): Promise<void> => {
    await restoreLostPenalties();
    const now = Date.now();
    for (const entity of await store.due(now)) {
      const penalty = await store.claim(entity, owner, now);
      if (!penalty) continue;
      await publish([enableAction(entity, penalty, penalty.until_ms)]);
      await store.end(entity, owner, penalty);
    }
  };
  const ticker = startTicker(config.ENFORCER_TICK_MS, endPenalties, (err) => log.error({ err }, 'ending penalties failed; retrying at the next tick'));
  // Last, so that a switch that is slow or down cannot hold back anything above: the webhook reads the action topic
  // in consumer groups of its own.
  const webhook = webhookSettings ? await startActionWebhook(runtime, webhookSettings, config.ENFORCER_GROUP_ID) : null;
  log.info({ topic: topics.alert }, 'enforcer running');

  return {
    runtime,
    stop: async () => {
      await webhook?.stop();
      await ticker.stop();
      await consumer.stop();
      await rules.stop();
      await lastActions.stop();
      await runtime.close();
      redis.disconnect();
    },
  };
}
