import { Counter } from 'prom-client';
import { loadConfig, type ConfigOf } from '@callwatch/core';
import { CompactedTable, startBatchConsumer, startRuntime, type BatchConsumer, type Runtime } from '@callwatch/kafka';
import { RedisKeys, createRedis } from '@callwatch/redis';
import { RuleIndex, ScriptSandbox, type AlertState, type ScriptError } from '@callwatch/rules';
import type { AlertEvent, MetricSnapshot, Rule } from '@callwatch/schemas';
import { AlertStore, type EntityAlerts, snapshotPosition, snapshotVerdict, stateChanged } from './alert-store';
import { EVALUATOR_ENV } from './config';
import { applicableRules, evaluateRules } from './evaluate-snapshot';
import { startEventConsumer } from './event-consumer';
import { orphanedStates } from './orphaned-states';
import { checkScheduleConfig, startScheduler } from './scheduler';

/** EvaluatorConfig is the parsed EVALUATOR_ENV. */
export type EvaluatorConfig = ConfigOf<typeof EVALUATOR_ENV>;

/** Evaluator is a running evaluator: rules and metric snapshots in, alert events out. */
export interface Evaluator {
  runtime: Runtime;
  rules: CompactedTable<'rule'>;
  stop(): Promise<void>;
}

/** EvaluatorOptions are what tests change beyond the configuration: the clock of report schedules. */
export interface EvaluatorOptions {
  now?: () => number;
}

/** startEvaluator loads every rule first, then evaluates metric snapshots as they arrive and sends scheduled reports. */
export async function startEvaluator(config: EvaluatorConfig = loadConfig(EVALUATOR_ENV), options: EvaluatorOptions = {}): Promise<Evaluator> {
  checkScheduleConfig(config.EVALUATOR_SCHEDULE_CHECK_MS, config.EVALUATOR_SCHEDULE_CATCHUP_MS);
  const scripts = await ScriptSandbox.create({ timeoutMs: config.EVALUATOR_SCRIPT_TIMEOUT_MS, memoryLimitBytes: config.EVALUATOR_SCRIPT_MEMORY_BYTES });
  const runtime = await startRuntime('evaluator', config, ['rule', 'account', 'metric', 'alert', 'payment', 'action']);
  const { log, topics, publisher, health } = runtime;
  const redis = createRedis(config.REDIS_URL, { name: 'callwatch-evaluator' });
  const keys = new RedisKeys(config.REDIS_KEY_PREFIX);
  const store = new AlertStore(redis, keys, config.EVALUATOR_STATE_CACHE_ENTITIES);
  const emitted = new Counter({ name: 'callwatch_alert_events_total', help: 'alert events emitted', labelNames: ['type'], registers: [health.registry] });
  const scriptErrors = new Counter({ name: 'callwatch_script_errors_total', help: 'script rule calls that failed (the rule had no data)', labelNames: ['rule', 'code'], registers: [health.registry] });
  const evaluated = new Counter({ name: 'callwatch_rule_evaluations_total', help: 'rule evaluations (one rule on one metric snapshot)', registers: [health.registry] });
  const redelivered = new Counter({ name: 'callwatch_evaluator_redelivered_total', help: 'metric snapshots not judged again: their entity\'s states were saved after them (a redelivery after a crash or rebalance)', registers: [health.registry] });
  const stale = new Counter({ name: 'callwatch_evaluator_stale_snapshots_total', help: 'metric snapshots not judged: a newer version of their entity was judged already (overtaken on their way to the topic)', registers: [health.registry] });
  health.addCheck('redis', () => redis.status === 'ready');
  const countAlerts = (alerts: AlertEvent[]): void => {
    for (const e of alerts) {
      emitted.inc({ type: e.type });
      log.info({ rule: e.rule_id, entity: e.entity, type: e.type, value: e.value }, `alert ${e.type}`);
    }
  };

  // Rules must be loaded before the first snapshot is judged, or a restart would see "no rule" and miss transitions.
  const rules = new CompactedTable({ ...runtime, log, topic: topics.rule, schema: 'rule', groupPrefix: `${config.EVALUATOR_GROUP_ID}-rules` });
  // Accounts give class-scoped rules the entity's class.
  const accounts = new CompactedTable({ ...runtime, log, topic: topics.account, schema: 'account', groupPrefix: `${config.EVALUATOR_GROUP_ID}-accounts` });
  await Promise.all([rules.start(), accounts.start()]);
  // The scope index is rebuilt on the first snapshot after a rule changes, not on every change of a bulk apply.
  let index: RuleIndex | null = null;
  rules.onChange((id, rule) => {
    index = null;
    scripts.forget(id);
    log.info({ rule: id, deleted: rule === null }, 'rule changed');
  });
  log.info({ rules: [...rules.values()].length }, 'rules loaded');

  const evaluateChunk = async (messages: Array<{ value: MetricSnapshot; partition: number; offset: string }>): Promise<void> => {
    // Only the rules that apply to each entity, once per entity however many snapshots it has in the chunk.
    const scoped = new Map<string, Rule[]>();
    index ??= new RuleIndex(rules.values());
    for (const { value: { entity } } of messages) {
      if (scoped.has(entity)) continue;
      const account = accounts.get(entity);
      scoped.set(entity, applicableRules(index.forEntity(entity, account), entity, account));
    }
    // Per entity, by rule id: the states as Redis holds them, those this chunk changed, and those to write back.
    const loaded = await store.load(scoped.keys());
    const current = new Map<string, Map<string, AlertState>>();
    const changed = new Map<string, Map<string, AlertState>>();
    const events: AlertEvent[] = [];
    // Per entity, the rule ids of states whose rule no longer applies to it: deleted after their resets are published.
    const removed = new Map<string, string[]>();
    // Per entity, the last snapshot judged, saved with its states: a redelivered or stale snapshot is not judged.
    const judged = new Map<string, string>();
    const failed = new Map<string, { error: ScriptError; count: number }>();
    for (const { value: snapshot, partition, offset } of messages) {
      const { entity } = snapshot;
      const saved = loaded.get(entity) as EntityAlerts;
      const last = judged.get(entity) ?? saved.applied;
      const verdict = snapshotVerdict(last, partition, offset, snapshot.version);
      if (verdict !== 'new') {
        (verdict === 'stale' ? stale : redelivered).inc();
        continue;
      }
      judged.set(entity, snapshotPosition(partition, offset, snapshot.version, last));
      const applicable = scoped.get(entity) as Rule[];
      evaluated.inc(applicable.length);
      const before: ReadonlyMap<string, AlertState> = saved.states;
      let states = current.get(entity);
      if (!states) {
        current.set(entity, (states = new Map()));
        // Once per entity and chunk, at its first snapshot: a rule deleted, disabled or moved out of its scope resets.
        const orphans = orphanedStates(entity, before, applicable, (ruleId) => rules.get(ruleId), snapshot.at_ms);
        if (orphans.ruleIds.length > 0) removed.set(entity, orphans.ruleIds);
        events.push(...orphans.resets);
      }
      let writes = changed.get(entity);
      if (!writes) changed.set(entity, (writes = new Map()));
      for (const evaluation of evaluateRules(applicable, snapshot, (ruleId) => states.get(ruleId) ?? before.get(ruleId), { scripts })) {
        const ruleId = evaluation.rule.id;
        if (evaluation.scriptError) {
          scriptErrors.inc({ rule: ruleId, code: evaluation.scriptError.code });
          failed.set(ruleId, { error: evaluation.scriptError, count: (failed.get(ruleId)?.count ?? 0) + 1 });
        }
        states.set(ruleId, evaluation.state);
        // Most snapshots change nothing: write back only the states that differ from what Redis holds.
        if (stateChanged(before.get(ruleId), evaluation.state)) writes.set(ruleId, evaluation.state);
        else writes.delete(ruleId);
        if (evaluation.event) events.push(evaluation.event);
      }
    }
    // Publish before saving: a crash in between re-emits the same event ids, which consumers dedup; the
    // other order could lose a transition.
    await publisher.publish(topics.alert, 'alert', events.map((e) => ({ key: e.entity, value: e })));
    await store.save(changed, removed, judged);
    countAlerts(events);
    // Once per rule and chunk: a broken script fails on every snapshot of every entity it watches.
    for (const [rule, { error, count }] of failed) log.warn({ rule, code: error.code, count, error: error.message }, 'script rule failed: no data');
  };

  const consumer: BatchConsumer = await startBatchConsumer({
    kafka: runtime.kafka,
    codec: runtime.codec,
    publisher,
    log,
    registry: health.registry,
    groupId: config.EVALUATOR_GROUP_ID,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    topic: topics.metric,
    schema: 'metric',
    deadLetter: false,
    // Another evaluator may have written the states of entities this one owned before: read them from Redis again.
    onAssigned: () => store.forget(),
    handle: async (batch) => {
      // In chunks, each published and saved before the next: a fetched batch can hold thousands of snapshots
      // × the rules of each, and short-lived chunks keep the garbage collector's work small.
      for (let i = 0; i < batch.messages.length; i += config.EVALUATOR_CHUNK_SNAPSHOTS) {
        await evaluateChunk(batch.messages.slice(i, i + config.EVALUATOR_CHUNK_SNAPSHOTS));
        await batch.heartbeat();
      }
    },
  });
  const eventRules = await startEventConsumer({
    runtime, redis, keys, groupId: `${config.EVALUATOR_GROUP_ID}-events`, sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    maxAgeMs: config.EVALUATOR_EVENT_MAX_AGE_MS,
    rulesFor: (entity) => (index ??= new RuleIndex(rules.values())).forEntity(entity, accounts.get(entity)),
    onAlerts: countAlerts,
  });
  const scheduler = startScheduler({
    redis, keys, log, scripts, now: options.now ?? Date.now, checkMs: config.EVALUATOR_SCHEDULE_CHECK_MS, catchupMs: config.EVALUATOR_SCHEDULE_CATCHUP_MS,
    rules: () => rules.values(), accounts: () => accounts.values(), onReports: countAlerts,
    publish: (events) => publisher.publish(topics.alert, 'alert', events.map((e) => ({ key: e.entity, value: e }))),
  });
  log.info({ topic: topics.metric }, 'evaluator running');

  return {
    runtime,
    rules,
    stop: async () => {
      await Promise.all([consumer.stop(), eventRules.stop(), scheduler.stop()]);
      scripts.dispose();
      await Promise.all([rules.stop(), accounts.stop()]);
      await runtime.close();
      redis.disconnect();
    },
  };
}
