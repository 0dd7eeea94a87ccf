import { Counter } from 'prom-client';
import { loadConfig, type ConfigOf } from '@callwatch/core';
import { CompactedTable, startBatchConsumer, startRuntime, type BatchConsumer, type Runtime } from '@callwatch/kafka';
import { RedisKeys, createRedis } from '@callwatch/redis';
import type { AlertState } from '@callwatch/rules';
import type { AlertEvent, Rule } from '@callwatch/schemas';
import { AlertStore, stateKey } from './alert-store';
import { EVALUATOR_ENV } from './config';
import { applicableRules, evaluateSnapshot } from './evaluate-snapshot';

/** EvaluatorConfig is the parsed EVALUATOR_ENV. */
export type EvaluatorConfig = ConfigOf<typeof EVALUATOR_ENV>;

/** Evaluator is a running evaluator: rules and metric snapshots in, alert events out. */
export interface Evaluator {
  runtime: Runtime;
  rules: CompactedTable<'rule'>;
  stop(): Promise<void>;
}

/** startEvaluator loads every rule first, then evaluates metric snapshots as they arrive. */
export async function startEvaluator(config: EvaluatorConfig = loadConfig(EVALUATOR_ENV)): Promise<Evaluator> {
  const runtime = await startRuntime('evaluator', config, ['rule', 'account', 'metric', 'alert']);
  const { log, topics, publisher, health } = runtime;
  const redis = createRedis(config.REDIS_URL, { name: 'callwatch-evaluator' });
  const store = new AlertStore(redis, new RedisKeys(config.REDIS_KEY_PREFIX));
  const emitted = new Counter({ name: 'callwatch_alert_events_total', help: 'alert events emitted', labelNames: ['type'], registers: [health.registry] });
  health.addCheck('redis', () => redis.status === 'ready');

  // Rules must be loaded before the first snapshot is judged, or a restart would see "no rule" and miss transitions.
  const rules = new CompactedTable({ ...runtime, log, topic: topics.rule, schema: 'rule', groupPrefix: `${config.EVALUATOR_GROUP_ID}-rules` });
  // Accounts give class-scoped rules the entity's class.
  const accounts = new CompactedTable({ ...runtime, log, topic: topics.account, schema: 'account', groupPrefix: `${config.EVALUATOR_GROUP_ID}-accounts` });
  await Promise.all([rules.start(), accounts.start()]);
  rules.onChange((id, rule) => log.info({ rule: id, deleted: rule === null }, 'rule changed'));
  log.info({ rules: [...rules.values()].length }, 'rules loaded');

  const consumer: BatchConsumer = await startBatchConsumer({
    kafka: runtime.kafka,
    codec: runtime.codec,
    publisher,
    log,
    groupId: config.EVALUATOR_GROUP_ID,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    topic: topics.metric,
    schema: 'metric',
    deadLetter: false,
    handle: async (batch) => {
      // Only the rules that apply to each entity, once per entity however many snapshots it has in the batch.
      const scoped = new Map<string, Rule[]>();
      for (const { value: snapshot } of batch.messages) {
        if (!scoped.has(snapshot.entity)) scoped.set(snapshot.entity, applicableRules(rules.values(), snapshot.entity, accounts.get(snapshot.entity)));
      }
      const states = await store.load([...scoped].flatMap(([entity, list]) => list.map((r) => ({ entity, ruleId: r.id }))));
      const saved = new Map([...states].map(([key, state]) => [key, JSON.stringify(state)]));
      const events: AlertEvent[] = [];
      const changed = new Map<string, { entity: string; ruleId: string; state: AlertState }>();
      for (const { value: snapshot } of batch.messages) {
        const applicable = scoped.get(snapshot.entity) as Rule[];
        for (const evaluation of evaluateSnapshot(applicable, snapshot, (ruleId) => states.get(stateKey(snapshot.entity, ruleId)))) {
          const key = stateKey(snapshot.entity, evaluation.rule.id);
          states.set(key, evaluation.state);
          // Most snapshots change nothing: write back only the states that differ from what Redis holds.
          if (JSON.stringify(evaluation.state) !== saved.get(key)) changed.set(key, { entity: snapshot.entity, ruleId: evaluation.rule.id, state: evaluation.state });
          else changed.delete(key);
          if (evaluation.event) events.push(evaluation.event);
        }
      }
      // Publish before saving: a crash in between re-emits the same event ids, which consumers dedup; the
      // other order could lose a transition.
      await publisher.publish(topics.alert, 'alert', events.map((e) => ({ key: e.entity, value: e })));
      await store.save([...changed.values()]);
      for (const e of events) {
        emitted.inc({ type: e.type });
        log.info({ rule: e.rule_id, entity: e.entity, type: e.type, value: e.value }, `alert ${e.type}`);
      }
    },
  });
  log.info({ topic: topics.metric }, 'evaluator running');

  return {
    runtime,
    rules,
    stop: async () => {
      await consumer.stop();
      await Promise.all([rules.stop(), accounts.stop()]);
      await runtime.close();
      redis.disconnect();
    },
  };
}
