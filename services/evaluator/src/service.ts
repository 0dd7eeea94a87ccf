import { loadConfig, startTicker, type ConfigOf } from '@callwatch/core';
import { CompactedTable, consume, startRuntime, type Runtime } from '@callwatch/kafka';
import { AlertStore, RedisKeys, createRedis } from '@callwatch/redis';
import { RuleIndex, ScriptSandbox, applicableRules } from '@callwatch/rules';
import type { AlertEvent } from '@callwatch/schemas';
import { EVALUATOR_ENV } from './config';
import { startEventConsumer } from './event-consumer';
import { evaluatorMetrics } from './metrics';
import { OwnedPartitions } from './owned-partitions';
import { PartitionJudge } from './partition-judge';
import { checkScheduleConfig, startScheduler } from './scheduler';

/** EvaluatorConfig is the parsed EVALUATOR_ENV. */
export type EvaluatorConfig = ConfigOf<typeof EVALUATOR_ENV>;

/** Evaluator is a running evaluator: rules and metric snapshots in, alert events out. */
export interface Evaluator {
  runtime: Runtime;
  rules: CompactedTable<'rule'>;
  stop(): Promise<void>;
}

/** EvaluatorOptions are what tests change beyond the configuration: the wall clock of report schedules and deadlines. */
export interface EvaluatorOptions {
  now?: () => number;
}

/**
 * startEvaluator loads every rule first, then judges metric snapshots as they arrive (with the deadlines their
 * partitions' clocks pass), the deadlines of quiet partitions by the wall clock, event rules on payments, account
 * changes and penalty actions, and report rules on their schedule.
 */
export async function startEvaluator(config: EvaluatorConfig = loadConfig(EVALUATOR_ENV), options: EvaluatorOptions = {}): Promise<Evaluator> {
  checkScheduleConfig(config.EVALUATOR_SCHEDULE_CHECK_MS, config.EVALUATOR_SCHEDULE_CATCHUP_MS);
  const now = options.now ?? Date.now;
  const scripts = await ScriptSandbox.create({ timeoutMs: config.EVALUATOR_SCRIPT_TIMEOUT_MS, memoryLimitBytes: config.EVALUATOR_SCRIPT_MEMORY_BYTES });
  const runtime = await startRuntime('evaluator', config, ['rule', 'account', 'metric', 'alert', 'payment', 'action']);
  const { log, topics, publisher, health } = runtime;
  const redis = createRedis(config, { name: 'callwatch-evaluator', log });
  const keys = new RedisKeys(config.REDIS_KEY_PREFIX);
  health.addCheck('redis', () => redis.status === 'ready');
  const store = new AlertStore(redis, keys, config.EVALUATOR_STATE_CACHE_ENTITIES);
  const partitions = new OwnedPartitions((partition) => store.loadDeadlines(partition));
  const metrics = evaluatorMetrics(health.registry, () => partitions.pending());
  const publish = (events: AlertEvent[]) => publisher.publish(topics.alert, 'alert', events.map((e) => ({ key: e.entity, value: e })));
  const countAlerts = (events: AlertEvent[]): void => {
    for (const e of events) {
      metrics.emitted.inc({ type: e.type });
      log.info({ rule: e.rule_id, entity: e.entity, type: e.type, value: e.value }, `alert ${e.type}`);
    }
  };

  // Rules must be loaded before the first snapshot is judged, or a restart would see "no rule" and miss transitions.
  // Accounts give class-scoped rules the entity's class.
  const rules = new CompactedTable({ ...runtime, log, topic: topics.rule, schema: 'rule', groupPrefix: `${config.EVALUATOR_GROUP_ID}-rules` });
  const accounts = new CompactedTable({ ...runtime, log, topic: topics.account, schema: 'account', groupPrefix: `${config.EVALUATOR_GROUP_ID}-accounts` });
  await Promise.all([rules.start(), accounts.start()]);
  // The scope index is rebuilt on the first snapshot after a rule changes, not on every change of a bulk apply.
  let index: RuleIndex | null = null;
  const scoped = (entity: string) => (index ??= new RuleIndex(rules.values())).forEntity(entity, accounts.get(entity));
  rules.onChange((id, rule) => {
    index = null;
    scripts.forget(id);
    log.info({ rule: id, deleted: rule === null }, 'rule changed');
  });
  log.info({ rules: [...rules.values()].length }, 'rules loaded');

  const judge = new PartitionJudge({
    partitions, store, scripts, publish, metrics, countAlerts, log,
    limits: { idleMs: config.EVALUATOR_IDLE_MS, aheadMs: config.EVALUATOR_CLOCK_AHEAD_MS },
    chunkSize: config.EVALUATOR_CHUNK_SNAPSHOTS,
    rulesFor: (entity) => applicableRules(scoped(entity), entity, accounts.get(entity)),
    ruleOf: (ruleId) => rules.get(ruleId),
  });
  const snapshots = await consume(runtime, {
    groupId: config.EVALUATOR_GROUP_ID,
    topic: topics.metric,
    schema: 'metric',
    deadLetter: false,
    // Another evaluator may have written the states of entities this one owned before: read them from Redis again.
    onAssigned: (assignment) => {
      store.forget();
      partitions.assign(assignment.get(topics.metric) ?? []);
    },
    // Until the group gives partitions out again, no partition is this evaluator's to judge by the wall clock.
    onRebalancing: () => partitions.assign([]),
    handle: async (batch) => {
      // In chunks, each published and saved before the next: a fetched batch can hold thousands of snapshots
      // × the rules of each, and short-lived chunks keep the garbage collector's work small.
      for (let i = 0; i < batch.messages.length; i += config.EVALUATOR_CHUNK_SNAPSHOTS) {
        await judge.judge(batch.partition, batch.messages.slice(i, i + config.EVALUATOR_CHUNK_SNAPSHOTS), now());
        await batch.heartbeat();
      }
    },
  });
  // A partition that receives no snapshot still has deadlines that fall due: its clock follows the wall clock once it
  // has been quiet for EVALUATOR_IDLE_MS.
  const deadlines = startTicker(config.EVALUATOR_DEADLINE_CHECK_MS, () => judge.sweep(now()), (err) => log.error({ err }, 'judging deadlines failed; trying again'));
  const eventRules = await startEventConsumer({
    runtime, redis, keys, groupId: `${config.EVALUATOR_GROUP_ID}-events`, maxAgeMs: config.EVALUATOR_EVENT_MAX_AGE_MS, rulesFor: scoped, onAlerts: countAlerts,
  });
  const scheduler = startScheduler({
    redis, keys, log, scripts, now, checkMs: config.EVALUATOR_SCHEDULE_CHECK_MS, catchupMs: config.EVALUATOR_SCHEDULE_CATCHUP_MS,
    rules: () => rules.values(), accounts: () => accounts.values(), onReports: countAlerts, publish,
  });
  log.info({ topic: topics.metric }, 'evaluator running');

  return {
    runtime,
    rules,
    stop: async () => {
      await deadlines.stop();
      await Promise.all([snapshots.stop(), eventRules.stop(), scheduler.stop()]);
      scripts.dispose();
      await Promise.all([rules.stop(), accounts.stop()]);
      await runtime.close();
      redis.disconnect();
    },
  };
}
