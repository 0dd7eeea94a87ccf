import { Counter, Gauge } from 'prom-client';
import { loadConfig, type ConfigOf } from '@callwatch/core';
import { CompactedTable, startBatchConsumer, startRuntime, type BatchConsumer, type Runtime } from '@callwatch/kafka';
import { AlertStore, RedisKeys, createRedis } from '@callwatch/redis';
import { RuleIndex, ScriptSandbox, applicableRules } from '@callwatch/rules';
import type { AlertEvent } from '@callwatch/schemas';
import { EVALUATOR_ENV } from './config';
import { startEventConsumer } from './event-consumer';
import { judgeChunk, type PositionedSnapshot } from './judge-chunk';
import { OwnedPartitions } from './owned-partitions';
import { advanceClock, judgedClock } from './partition-clock';
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
  const deadlinesJudged = new Counter({ name: 'callwatch_evaluator_deadlines_total', help: 'alert deadlines judged (the end of a `for`, a repeat), by the clock that passed them: `event` (the partition\'s snapshots) or `wall` (a quiet partition\'s clock following the wall clock)', labelNames: ['clock'], registers: [health.registry] });
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

  const now = options.now ?? Date.now;
  const limits = { idleMs: config.EVALUATOR_IDLE_MS, aheadMs: config.EVALUATOR_CLOCK_AHEAD_MS };
  const partitions = new OwnedPartitions((partition) => store.loadDeadlines(partition));
  new Gauge({ name: 'callwatch_evaluator_deadlines_pending', help: 'entities with an alert deadline in the metric partitions this evaluator owns', registers: [health.registry], collect() {
    this.set(partitions.pending());
  } });
  const rulesFor = (entity: string) => {
    const account = accounts.get(entity);
    return applicableRules((index ??= new RuleIndex(rules.values())).forEntity(entity, account), entity, account);
  };

  /**
   * judge runs one step of a partition at wall time `wallMs`: its snapshots (none when the wall clock drives it), then
   * the deadlines its clock passed. Events are published before states are saved: a crash in between re-emits the same
   * event ids, which consumers dedup; the other order could lose a transition.
   */
  const judge = (partition: number, snapshots: PositionedSnapshot[], wallMs: number) => partitions.run(partition, async (owned) => {
    const time = advanceClock(owned.time, snapshots.map((s) => s.value.at_ms), wallMs, limits);
    const clockMs = judgedClock(time, wallMs, limits) ?? -Infinity;
    const due = new Map(owned.deadlines.before(clockMs, config.EVALUATOR_CHUNK_SNAPSHOTS));
    if (snapshots.length === 0 && due.size === 0) return;
    const saved = await store.load(new Set([...snapshots.map((s) => s.value.entity), ...due.keys()]));
    const outcome = judgeChunk({ snapshots, clockMs, due, saved, rulesFor, ruleOf: (ruleId) => rules.get(ruleId), scripts });
    await publisher.publish(topics.alert, 'alert', outcome.events.map((e) => ({ key: e.entity, value: e })));
    const moves = [...outcome.deadlines].map(([entity, after]): [string, number | undefined, number | null] => [entity, owned.deadlines.get(entity), after]);
    await store.save(outcome.changed, outcome.removed, outcome.judged, { partition, moves, clock: time === owned.time ? undefined : time }, outcome.values);
    owned.time = time;
    for (const [entity, after] of outcome.deadlines) owned.deadlines.set(entity, after);
    evaluated.inc(outcome.evaluations);
    redelivered.inc(outcome.redelivered);
    stale.inc(outcome.stale);
    if (outcome.deadlinesJudged > 0) deadlinesJudged.inc({ clock: clockMs === time.clockMs ? 'event' : 'wall' }, outcome.deadlinesJudged);
    countAlerts(outcome.events);
    // Once per rule and step: a broken script fails on every snapshot of every entity it watches.
    for (const [rule, { error, count }] of outcome.scriptErrors) {
      scriptErrors.inc({ rule, code: error.code }, count);
      log.warn({ rule, code: error.code, count, error: error.message }, 'script rule failed: no data');
    }
  });

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
        await judge(batch.partition, batch.messages.slice(i, i + config.EVALUATOR_CHUNK_SNAPSHOTS), now());
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
  // A partition that receives no snapshot still has deadlines that fall due: its clock follows the wall clock once it
  // has been quiet for EVALUATOR_IDLE_MS (partitions run their steps one after another, so one step a partition at most waits).
  const waiting = new Set<number>();
  const deadlineTimer = setInterval(() => {
    const wallMs = now();
    for (const partition of partitions.assigned()) {
      const owned = partitions.peek(partition);
      const next = owned?.deadlines.peek();
      if (waiting.has(partition) || (owned && (next == null || next.time >= (judgedClock(owned.time, wallMs, limits) ?? -Infinity)))) continue;
      waiting.add(partition);
      void judge(partition, [], wallMs)
        .catch((err: unknown) => log.error({ err, partition }, 'judging deadlines failed; trying again'))
        .finally(() => waiting.delete(partition));
    }
  }, config.EVALUATOR_DEADLINE_CHECK_MS);
  deadlineTimer.unref();
  log.info({ topic: topics.metric }, 'evaluator running');

  return {
    runtime,
    rules,
    stop: async () => {
      clearInterval(deadlineTimer);
      await Promise.all([consumer.stop(), eventRules.stop(), scheduler.stop()]);
      scripts.dispose();
      await Promise.all([rules.stop(), accounts.stop()]);
      await runtime.close();
      redis.disconnect();
    },
  };
}
