#!/usr/bin/env node
// `npm run bench:evaluator`: rule evaluations per second, in process and through the real evaluator service
// (Kafka in, Redis state, alert events out), and p99 time from metric snapshot to alert event at a steady rate.
// 2,000 rules (single-entity, class and all-customers/all-carriers) over 20,000 entities.
// Options (environment): BENCH_RULES (2000), BENCH_ENTITIES (20000), BENCH_ROUNDS (3 snapshots per entity),
// BENCH_LATENCY_RATE (500 snapshots/s), BENCH_LATENCY_SECONDS (10). Start the infrastructure first (npm run infra:up).
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { loadConfig } from '@callwatch/core';
import { EVALUATOR_ENV, startEvaluator } from '@callwatch/evaluator';
import { RuleIndex, evaluateSnapshot, type AlertState } from '@callwatch/rules';
import { connect, type Connection } from '@callwatch/kafka';
import type { Account, MetricSnapshot, Rule, RuleScope, Window } from '@callwatch/schemas';
import { seededRandom } from '@callwatch/cli';
import { counterValue, percentile, removeBenchData, startCpuMeter } from './figures';
import { measureLatency, waitForCounter } from './phases';

const RULES = Number(process.env.BENCH_RULES ?? 2_000);
const ENTITIES = Number(process.env.BENCH_ENTITIES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 500);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const CLASSES = 20;
const PERIODS_MS = [300_000, 900_000, 3_600_000];
const PARTITIONS = 6;

const random = seededRandom(7);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
// One entity in ten is a carrier; every entity has an account with one of CLASSES classes.
const entities = Array.from({ length: ENTITIES }, (_, i) => (i % 10 === 9 ? `carrier:c${i}` : `customer:k${i}`));
const classOf = (entity: string): string => `class-${Number(entity.slice(entity.indexOf(':') + 2)) % CLASSES}`;

const AREAS: Array<Pick<Rule, 'area' | 'operator' | 'threshold' | 'reset_threshold'>> = [
  { area: 'asr', operator: '<=', threshold: 30, reset_threshold: 35 },
  { area: 'acd', operator: '<', threshold: 20, reset_threshold: null },
  { area: 'pdd', operator: '>', threshold: 4_000, reset_threshold: 3_500 },
  { area: 'cps', operator: '>=', threshold: 10, reset_threshold: null },
  { area: 'spend', operator: '>', threshold: 400, reset_threshold: null },
  { area: 'sdr', operator: '>', threshold: 40, reset_threshold: 30 },
];

// 85% single-entity rules, 10% class rules, 5% all-customers or all-carriers rules.
function makeRules(): Rule[] {
  return Array.from({ length: RULES }, (_, i) => {
    const share = i / RULES;
    const scope: RuleScope = share < 0.85 ? ownScope(entities[Math.floor(random() * ENTITIES * 0.8)] as string)
      : share < 0.95 ? { kind: 'class', value: `class-${i % CLASSES}` }
        : { kind: i % 5 === 0 ? 'all_carriers' : 'all_customers', value: null };
    return {
      id: `bench-rule-${String(i).padStart(4, '0')}`, title: `Bench rule ${i}`, scope, ...pick(AREAS), sample_period_ms: pick(PERIODS_MS),
      min_attempts: 10, for_ms: 0, repeat_ms: i % 4 === 0 ? 600_000 : 0, level: 'warning', penalty_ms: null, codes: [], notify: [],
      template: null, group_by: null, group_wait_ms: null, group_interval_ms: null, enabled: true, extra_json: null, applied_by: 'bench', applied_at_ms: 0,
    };
  });
}

// Single-entity rules watch the first 80% of entities, so some entities have only class and all-entity rules.
function ownScope(entity: string): RuleScope {
  const colon = entity.indexOf(':');
  return { kind: entity.slice(0, colon) === 'carrier' ? 'carrier' : 'customer', value: entity.slice(colon + 1) };
}

// Each entity has a steady traffic quality; snapshots add a little noise, so only entities near a threshold flap.
const quality = new Map(entities.map((e) => [e, random()]));
const noisy = (value: number, spread: number): number => value + (random() - 0.5) * spread;

function makeWindow(sample_period_ms: number, q: number): Window {
  const attempts = Math.floor(50 + random() * 150);
  const asr = Math.min(100, Math.max(0, noisy(15 + q * 45, 4)));
  const answered = Math.round((attempts * asr) / 100);
  return {
    sample_period_ms, attempts, answered, asr, ner: 90, acd: answered ? noisy(5 + q * 100, 4) : null, pdd: noisy(5_500 - q * 3_000, 200),
    cps: noisy(q * 14, 1), spend: noisy(q * 500, 20), margin: noisy(q * 50, 5), sdr: noisy(60 - q * 50, 4), codes: { 200: answered },
  };
}

function makeSnapshot(entity: string, at_ms: number): MetricSnapshot {
  const q = quality.get(entity) ?? 0.5;
  return { entity, at_ms, windows: PERIODS_MS.map((p) => makeWindow(p, q)), channels: Math.floor(q * 50), balance: noisy(q * 1_000, 10), credit: null, credit_used: null, late: 0, version: at_ms * 1_000 };
}

function account(entity: string): Account {
  return { entity, name: entity, class: classOf(entity), status: 'active', balance: 100, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: 0 };
}

async function publishAll<N extends 'rule' | 'account' | 'metric'>(conn: Connection, topic: string, schema: N, messages: Array<{ key: string; value: never }>): Promise<void> {
  for (let i = 0; i < messages.length; i += 5_000) await conn.publisher.publish(topic, schema, messages.slice(i, i + 5_000));
}

function inProcess(rules: Rule[], snapshots: MetricSnapshot[]): { rate: number; fired: number } {
  const index = new RuleIndex(rules);
  const states = new Map<string, AlertState>();
  let evaluations = 0;
  let fired = 0;
  const t = performance.now();
  for (const snapshot of snapshots) {
    const applicable = index.forEntity(snapshot.entity, { class: classOf(snapshot.entity) });
    evaluations += applicable.length;
    for (const { rule, state, event } of evaluateSnapshot(applicable, snapshot, (id) => states.get(`${snapshot.entity}|${id}`), { class: classOf(snapshot.entity) })) {
      states.set(`${snapshot.entity}|${rule.id}`, state);
      if (event?.type === 'fired') fired++;
    }
  }
  return { rate: evaluations / ((performance.now() - t) / 1000), fired };
}

async function main(): Promise<void> {
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  const env = { ...process.env, TOPIC_PREFIX: prefix, REDIS_KEY_PREFIX: prefix, TOPIC_PARTITIONS: String(PARTITIONS), METRICS_PORT: '0', LOG_LEVEL: 'warn', EVALUATOR_GROUP_ID: `${prefix}evaluator` };
  const config = loadConfig(EVALUATOR_ENV, env);
  const rules = makeRules();
  const index = new RuleIndex(rules);
  const perEntity = entities.map((e) => index.forEntity(e, { class: classOf(e) }).length);
  console.log(`machine: ${cpus().length} cores, node ${process.version}; ${RULES} rules over ${ENTITIES} entities, ${(perEntity.reduce((a, b) => a + b, 0) / ENTITIES).toFixed(1)} rules apply per entity on average`);

  // The rounds end a minute before the latency phase starts: its snapshots, stamped with the wall clock, then move each
  // partition's clock on by minutes, which passes no repeat (10 minutes), so it measures snapshots and not a catch-up
  // of an hour of missed repeats.
  const start = Date.now() - (ROUNDS + 1) * 60_000;
  const snapshots = Array.from({ length: ROUNDS }, (_, round) => entities.map((e) => makeSnapshot(e, start + round * 60_000))).flat();
  const local = inProcess(rules, snapshots);
  console.log(`in process (RuleIndex + evaluateSnapshot, states in a Map): ${Math.round(local.rate)} evaluations/s, ${local.fired} fired`);

  const conn = await connect(config, `${prefix}bench`, ['rule', 'account', 'metric', 'alert']);
  await publishAll(conn, conn.topics.rule, 'rule', rules.map((r) => ({ key: r.id, value: r as never })));
  await publishAll(conn, conn.topics.account, 'account', entities.map((e) => ({ key: e, value: account(e) as never })));
  await publishAll(conn, conn.topics.metric, 'metric', snapshots.map((s) => ({ key: s.entity, value: s as never })));
  const expected = ROUNDS * perEntity.reduce((a, b) => a + b, 0);

  const cpuUsed = startCpuMeter();
  const t = performance.now();
  const evaluator = await startEvaluator(config);
  const startedMs = performance.now() - t;
  const registry = evaluator.runtime.health.registry;
  const { firstMs: firstEvaluated, firstValue, endedMs: ended } = await waitForCounter(registry, 'callwatch_rule_evaluations_total', expected);
  const alerts = await counterValue(registry, 'callwatch_alert_events_total');
  const deadlines = await counterValue(registry, 'callwatch_evaluator_deadlines_total');
  const cpu = cpuUsed();
  console.log(`evaluator service: ${Math.round(expected / ((ended - t) / 1000))} evaluations/s including start-up (${Math.round(startedMs)} ms to start and load ${RULES} rules and ${ENTITIES} accounts, ${Math.round(firstEvaluated - t)} ms until evaluating was seen); ${Math.round((expected - firstValue) / ((ended - firstEvaluated) / 1000))} evaluations/s from then on (${snapshots.length} snapshots from Kafka, states in Redis, ${alerts} alert events, ${deadlines} deadlines judged)`);
  console.log(`CPU time while evaluating: ${cpu} (${((ended - t) / 1000).toFixed(1)} s of wall time, ${cpus().length} cores)`);

  // Latency at a steady rate: snapshots stamped with the wall clock, alert events carry the snapshot's time.
  const latencies = await measureLatency({
    conn, groupId: `${prefix}latency`, topic: conn.topics.alert, schema: 'alert', ratePerSecond: LATENCY_RATE, seconds: LATENCY_SECONDS,
    publish: (count) => conn.publisher.publish(conn.topics.metric, 'metric', Array.from({ length: count }, () => {
      const snapshot = makeSnapshot(pick(entities), Date.now());
      return { key: snapshot.entity, value: snapshot };
    })),
  });
  console.log(`latency snapshot→alert event at ${LATENCY_RATE} snapshots/s over ${LATENCY_SECONDS} s: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms (${latencies.length} alert events)`);

  await evaluator.stop();
  await removeBenchData(conn.kafka, config.REDIS_URL, prefix);
  await conn.close();
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:evaluator failed: ${err.message}`);
    process.exit(1);
  },
);
