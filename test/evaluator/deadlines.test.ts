import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { type InputEvent } from '@callwatch/windows';
import { applyRules, replayFile, validateFiles, type ReplayOutput } from '@callwatch/cli';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import { RedisKeys, createRedis, type Redis } from '@callwatch/redis';
import type { AlertEvent } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

const MIN = 60_000;
const main = join(__dirname, '..', '..', 'services', 'evaluator', 'dist', 'main.js');

/** Line is an alert transition as replay prints it and as it is compared here. */
const line = (o: Pick<ReplayOutput, 'type' | 'rule' | 'entity' | 'at'> & { value?: number | null }) => `${o.rule} ${o.entity} ${o.type}@${o.at}=${o.value}`;
const lineOf = (a: AlertEvent) => line({ type: a.type, rule: a.rule_id, entity: a.entity, at: a.at_ms, value: a.value });

/** Switches publishes input events as a switch and billing would, and waits until the aggregator applied them. */
class Switches {
  private readonly sent = new Map<string, number>();

  constructor(private readonly conn: Connection, private readonly redis: Redis, private readonly keys: RedisKeys) {}

  /** send publishes events of one entity in one go, and waits until the aggregator applied the last. */
  async send(events: InputEvent[]): Promise<void> {
    const last = events[events.length - 1] as InputEvent;
    const role = last.type === 'account' ? 'account' : 'cdr';
    const entity = last.type === 'account' ? last.entity : `customer:${(last as { customer_id: string }).customer_id}`;
    await this.conn.publisher.publish(this.conn.topics[role], last.type as never, events.map((e) => {
      const { type: _type, ...value } = e;
      return { key: entity, value: value as never };
    }));
    const offset = (this.sent.get(role) ?? -1) + events.length;
    this.sent.set(role, offset);
    await eventually(async () => expect(Number(await this.redis.hget(this.keys.entityMeta(entity), `off:${this.conn.topics[role]}/0`))).toBe(offset), { timeoutMs: 30_000, intervalMs: 50 });
  }
}

// Customer quiet makes 40 calls in under a minute and then none; customer wallet has a low balance and no calls;
// customer busy calls every 10 s and so moves the clock of the one partition all three share.
const RULES = `
- { id: quiet-repeat, title: Quiet repeat, scope: { customer: quiet }, area: attempts, operator: ">=", threshold: 30, sample_period: 30m, repeat: 4m, level: info }
- { id: quiet-for, title: Quiet for, scope: { customer: quiet }, area: attempts, operator: ">=", threshold: 30, sample_period: 30m, for: 3m, level: info }
- { id: quiet-hour, title: Quiet hour, scope: { customer: quiet }, area: attempts, operator: ">=", threshold: 30, sample_period: 1h, for: 3m, repeat: 4m, level: info }
- { id: wallet-low, title: Wallet low, scope: { customer: wallet }, area: balance, operator: "<", threshold: 10, for: 10m, level: info }
`;

const call = (customer: string, id: string, endMs: number): InputEvent => ({ type: 'cdr', ...cdr(customer, false, endMs, { cdr_id: id, carrier_id: null }) });

function quietDay(t: number): { quiet: InputEvent[]; wallet: InputEvent; busy: InputEvent[] } {
  return {
    quiet: Array.from({ length: 40 }, (_, i) => call('quiet', `q${i}`, t + i * 1_500)),
    wallet: { type: 'account', entity: 'customer:wallet', name: 'Wallet', class: null, status: 'active', balance: 5, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: t + 30_000 },
    busy: Array.from({ length: 121 }, (_, i) => call('busy', `b${i}`, t + MIN + i * 10_000)),
  };
}

describe('alert deadlines on Kafka and Redis', () => {
  let scope: TestScope;
  let redis: Redis;
  let keys: RedisKeys;
  let conn: Connection;
  let aggregator: Aggregator | undefined;
  let evaluator: Evaluator | undefined;
  const children: ChildProcess[] = [];

  const setUp = async (name: string, overrides: NodeJS.ProcessEnv, rules: string) => {
    scope = await testScope(name, { TOPIC_PARTITIONS: '1', KAFKA_SESSION_TIMEOUT_MS: '6000', ...overrides });
    redis = createRedis(scope.env.REDIS_URL as string, { name: 'test' });
    keys = new RedisKeys(scope.env.REDIS_KEY_PREFIX);
    conn = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr', 'account']);
    await scope.codec.register('alert', scope.topics.alert);
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-deadlines-'));
    writeFileSync(join(dir, 'rules.yaml'), rules);
    await applyRules([dir], { env: scope.env, appliedBy: 'test', print: () => {} });
    aggregator = await startAggregator(loadConfig(AGGREGATOR_ENV, scope.env));
    return { dir, switches: new Switches(conn, redis, keys) };
  };

  const spawnEvaluator = (): ChildProcess => {
    const child = spawn(process.execPath, [main], { env: scope.env, stdio: 'ignore' });
    children.push(child);
    return child;
  };

  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await evaluator?.stop();
    evaluator = undefined;
    await aggregator?.stop();
    aggregator = undefined;
    await conn?.close();
    redis?.disconnect();
  });

  // On the standalone Redis, and on the Redis Cluster: the deadline index lives apart from the states it indexes.
  it.each([
    ['a standalone Redis', {}],
    ['a Redis Cluster', { REDIS_URL: process.env.REDIS_CLUSTER_URL }],
  ])('judges `for` and `repeat` of quiet customers at their deadlines as replay does, across a SIGKILL of the evaluator between two deadlines, on %s', async (_kind, redisEnv) => {
    // The wall clock must not move this partition's clock here: only the busy customer's calls do.
    const { dir, switches } = await setUp('deadlines', { AGGREGATOR_PERIODS: '30m,1h', EVALUATOR_IDLE_MS: '10m', ...redisEnv }, RULES);
    const t = Math.floor(Date.now() / MIN) * MIN - 2 * 3_600_000;
    const day = quietDay(t);
    const all = [...day.quiet, day.wallet, ...day.busy];
    writeFileSync(join(dir, 'events.jsonl'), all.map((e) => JSON.stringify(e)).join('\n'));
    const offline = await replayFile(await validateFiles([join(dir, 'rules.yaml')], 'test'), join(dir, 'events.jsonl'), { periodsMs: [1_800_000, 3_600_000], latenessMs: 5 * MIN, maxCallMs: 4 * 3_600_000 });
    const tq = t + 29 * 1_500; // the 30th call
    expect(offline.outputs.map((o) => `${o.rule} ${o.type}@${(o.at - tq) / MIN}`)).toEqual([
      'quiet-repeat fired@0', 'quiet-for fired@3', 'quiet-hour fired@3', 'quiet-repeat repeated@4', 'quiet-hour repeated@7', 'quiet-repeat repeated@8',
      'wallet-low fired@9.775', 'quiet-hour repeated@11', 'quiet-repeat repeated@12', 'quiet-hour repeated@15', 'quiet-repeat repeated@16',
      'quiet-hour repeated@19', 'quiet-repeat repeated@20',
    ]);

    let child = spawnEvaluator();
    // One call at a time, each applied before the next, as replay evaluates after every event.
    for (const event of day.quiet) await switches.send([event]);
    await switches.send([day.wallet]);
    // The busy customer's first five minutes: the clock passes the end of `for` and the first repeat.
    await switches.send(day.busy.slice(0, 31));
    const before = await collect(scope, scope.topics.alert, 'alert', (m) => m.some((a) => a.value.rule_id === 'quiet-repeat' && a.value.at_ms === tq + 4 * MIN));
    // Killed once the repeat is saved, with the next deadlines pending in the partition's index.
    await eventually(async () => expect(JSON.parse(await redis.hget(keys.alertStates('customer:quiet'), 'quiet-repeat') ?? '{}').last_notified_ms).toBe(tq + 4 * MIN));
    expect(Number(await redis.zscore(keys.alertDeadlines(0), 'customer:quiet'))).toBe(tq + 7 * MIN);
    expect(Number(await redis.zscore(keys.alertDeadlines(0), 'customer:wallet'))).toBe(t + 30_000 + 10 * MIN);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(before.length).toBeLessThan(offline.outputs.length);

    await switches.send(day.busy.slice(31));
    child = spawnEvaluator();
    const expected = offline.outputs.map(line);
    const alerts = await collect(scope, scope.topics.alert, 'alert', (m) => new Set(m.map((a) => lineOf(a.value))).size >= expected.length, { timeoutMs: 90_000 });
    // Replay's clock ends at the last call (t + 21 min); the live one may go on by the wall clock.
    const live = alerts.map((a) => a.value).filter((a) => a.at_ms < t + 21 * MIN);
    expect(live.map(lineOf).sort()).toEqual([...expected].sort());
    // Each deadline judged once: no event twice, and every event's id is the deterministic one.
    expect(new Set(live.map((a) => a.event_id)).size).toBe(live.length);
  });

  it('judges a quiet partition\'s deadlines by the wall clock, and those that passed while no evaluator ran at its start, each once', async () => {
    const rules = '- { id: calm-for, title: Calm, scope: { customer: calm }, area: attempts, operator: ">=", threshold: 3, sample_period: 5m, for: 4s, repeat: 5s, level: info }\n';
    const { switches } = await setUp('deadlines-wall', { EVALUATOR_IDLE_MS: '1s', EVALUATOR_DEADLINE_CHECK_MS: '200' }, rules);
    const config = loadConfig(EVALUATOR_ENV, scope.env);
    evaluator = await startEvaluator(config);
    const s = Date.now();
    await switches.send([call('calm', 'c1', s - 2_000), call('calm', 'c2', s - 1_000), call('calm', 'c3', s)]);
    // Nothing else comes: the partition's clock stops at s, and follows the wall clock a second later.
    const first = await collect(scope, scope.topics.alert, 'alert', (m) => m.some((a) => a.value.type === 'repeated'), { timeoutMs: 30_000 });
    expect(first.map((a) => a.value.type + '@' + (a.value.at_ms - s))).toEqual(['fired@4000', 'repeated@9000']);
    await evaluator.stop();
    evaluator = undefined;

    // Two repeats fall due while no evaluator runs; the next one judges both at its start, at their own times.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, s + 20_000 - Date.now())));
    evaluator = await startEvaluator(config);
    const all = await collect(scope, scope.topics.alert, 'alert', (m) => m.some((a) => a.value.at_ms === s + 19_000), { timeoutMs: 30_000 });
    const upTo19 = all.map((a) => a.value).filter((a) => a.at_ms <= s + 19_000);
    expect(upTo19.map((a) => a.type + '@' + (a.at_ms - s))).toEqual(['fired@4000', 'repeated@9000', 'repeated@14000', 'repeated@19000']);
    expect(new Set(upTo19.map((a) => a.event_id)).size).toBe(4);
    const judged = await evaluator.runtime.health.registry.getSingleMetric('callwatch_evaluator_deadlines_total')?.get();
    expect(judged?.values.find((v) => v.labels.clock === 'wall')?.value).toBeGreaterThanOrEqual(2);
  });
});
