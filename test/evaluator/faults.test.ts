import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRules } from '@callwatch/cli';
import { loadConfig } from '@callwatch/core';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import type { AlertEvent, MetricSnapshot, Window } from '@callwatch/schemas';
import { collect, eventually, testScope, type TestScope } from '../support/harness';

const main = join(__dirname, '..', '..', 'services', 'evaluator', 'dist', 'main.js');

const RULE = '- { id: low-asr, title: Low ASR, scope: { all: customers }, area: asr, operator: "<=", threshold: 30, reset_threshold: 31, sample_period: 5m, min_attempts: 5, level: warning }';
const PERIOD_MS = 300_000;
const MIN_ATTEMPTS = 5;
// Fire at or below 30; once firing, reset only above 31. Values in between, or with too few attempts, hold.
const FIRING = [30, 12.5, 27];
const CLEAR = [31.5, 48, 60];
const BAND = [30.5, 31];

/** transition names an alert event by what must be emitted exactly once, whatever the faults. */
const transition = (e: Pick<AlertEvent, 'rule_id' | 'entity' | 'type' | 'at_ms' | 'value'>): string => `${e.rule_id} ${e.entity} ${e.type} @${e.at_ms} asr=${e.value}`;

/**
 * Traffic makes metric snapshots for a set of customers in rounds, one per customer a round with event times
 * increasing per customer, and folds them with low-asr's semantics (docs/design.md, "Rules") into the transitions it expects.
 * Every snapshot with a decisive value flips the customer's state; the rest hold it (inside the hysteresis band, or
 * fewer than min_attempts attempts with a value that would flip it). A snapshot judged again after a crash or
 * rebalance then gives its own transition again or nothing, whatever newer state the evaluator reads. (One that
 * does not flip it, judged again against a newer state, can fire or reset at its own time a second time: the
 * evaluator's states carry no offset. That is a known gap, outside what this test pins down.)
 */
class Traffic {
  readonly expected: string[] = [];
  private readonly firing = new Map<string, boolean>();
  private readonly start = Date.now() - 3_600_000;
  private round = 0;

  constructor(private readonly customers: number) {}

  next(): MetricSnapshot[] {
    const r = this.round++;
    return Array.from({ length: this.customers }, (_, i) => {
      const entity = `customer:c${i}`;
      const at_ms = this.start + r * 60_000 + i;
      const firing = this.firing.get(entity) ?? false;
      const pick = (values: number[]) => values[(r + i) % values.length] as number;
      let asr = pick(firing ? CLEAR : FIRING);
      let attempts = 20 + ((r * 7 + i) % 30);
      if ((r + i) % 3 === 1) {
        if (i % 2 === 0) asr = pick(BAND);
        else attempts = MIN_ATTEMPTS - 1;
      }
      if (attempts >= MIN_ATTEMPTS) {
        if (!firing && asr <= 30) this.expect(entity, 'fired', at_ms, asr);
        else if (firing && asr > 31) this.expect(entity, 'reset', at_ms, asr);
      }
      // The 15-minute window points the other way: the rule must read its own sample period.
      return { entity, at_ms, windows: [window(PERIOD_MS, asr, attempts), window(900_000, 100 - asr, 100)], channels: null, balance: null, credit: null, credit_used: null, late: 0, version: 0 };
    });
  }

  private expect(entity: string, type: 'fired' | 'reset', at_ms: number, value: number): void {
    this.firing.set(entity, type === 'fired');
    this.expected.push(transition({ rule_id: 'low-asr', entity, type, at_ms, value }));
  }
}

function window(sample_period_ms: number, asr: number, attempts: number): Window {
  return {
    sample_period_ms, attempts, answered: Math.round((attempts * asr) / 100), asr,
    ner: null, acd: null, pdd: null, cps: null, spend: null, margin: null, sdr: null, codes: {},
  };
}

async function applyLowAsr(scope: TestScope): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'callwatch-evaluator-faults-'));
  writeFileSync(join(dir, 'rules.yaml'), `${RULE}\n`);
  await applyRules([dir], { env: scope.env, appliedBy: 'test', print: () => {} });
}

/** caughtUp waits until the group has committed every snapshot on the metric topic, i.e. judged them and published their alert events. */
async function caughtUp(scope: TestScope, groupId: string): Promise<void> {
  const admin = scope.kafka.admin();
  await admin.connect();
  try {
    await eventually(async () => {
      const [ends, [committed]] = await Promise.all([
        admin.fetchTopicOffsets(scope.topics.metric),
        admin.fetchOffsets({ groupId, topics: [scope.topics.metric] }),
      ]);
      const at = new Map(committed?.partitions.map((p) => [p.partition, p.offset]));
      expect(ends.filter((p) => p.high !== '0' && at.get(p.partition) !== p.high).map((p) => `${p.partition}: ${at.get(p.partition)} < ${p.high}`)).toEqual([]);
    }, { timeoutMs: 40_000, intervalMs: 250 });
  } finally {
    await admin.disconnect();
  }
}

/** groupSettled waits until the consumer group has `members` members and has handed out its partitions. */
async function groupSettled(scope: TestScope, groupId: string, members: number): Promise<void> {
  const admin = scope.kafka.admin();
  await admin.connect();
  try {
    await eventually(async () => {
      const { groups: [group] } = await admin.describeGroups([groupId]);
      expect({ state: group?.state, members: group?.members.length }).toEqual({ state: 'Stable', members });
    }, { timeoutMs: 20_000, intervalMs: 250 });
  } finally {
    await admin.disconnect();
  }
}

/**
 * expectTransitions reads every alert event and checks that the distinct event ids are exactly the expected
 * transitions, and that per entity they alternate fired, reset, … each reset naming the fire time before it.
 */
async function expectTransitions(scope: TestScope, traffic: Traffic): Promise<void> {
  const admin = scope.kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(scope.topics.alert)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  await admin.disconnect();
  const alerts = (await collect(scope, scope.topics.alert, 'alert', (m) => m.length >= total)).map((m) => m.value);

  // Delivery is at-least-once: a snapshot judged again after a crash or rebalance re-emits its transition under the
  // same deterministic event id, and the notifier and recorder dedup by it. So copies of an id are allowed, but
  // each copy must be the same transition, and no transition may appear under a second id or be missing.
  const byId = new Map<string, AlertEvent>();
  for (const alert of alerts) {
    const first = byId.get(alert.event_id);
    if (first) expect(transition(alert)).toBe(transition(first));
    else byId.set(alert.event_id, alert);
  }
  expect([...byId.values()].map(transition).sort()).toEqual([...traffic.expected].sort());

  // One partition holds an entity's events, so first copies are in the order the evaluator decided them.
  const last = new Map<string, AlertEvent>();
  for (const alert of byId.values()) {
    const before = last.get(alert.entity);
    const type = before?.type === 'fired' ? 'reset' : 'fired';
    expect([alert.entity, alert.type, alert.first_fired_at_ms]).toEqual([alert.entity, type, type === 'reset' ? before?.at_ms : alert.at_ms]);
    last.set(alert.entity, alert);
  }
}

describe('evaluator under faults', () => {
  // The broker's minimum session timeout, so a killed instance's partitions move on quickly.
  const envOf = (scope: TestScope): NodeJS.ProcessEnv => ({ ...scope.env, KAFKA_SESSION_TIMEOUT_MS: '6000' });
  // Stands in for the aggregator: snapshots go straight to the metric topic, keyed by entity.
  let aggregator: Connection | undefined;
  const publish = async (traffic: Traffic, rounds: number): Promise<void> => {
    const snapshots = Array.from({ length: rounds }, () => traffic.next()).flat();
    await aggregator!.publisher.publish(aggregator!.topics.metric, 'metric', snapshots.map((s) => ({ key: s.entity, value: s })));
  };

  afterEach(async () => {
    await aggregator?.close();
    aggregator = undefined;
  });

  async function setUp(name: string): Promise<{ scope: TestScope; traffic: Traffic }> {
    const scope = await testScope(name);
    await applyLowAsr(scope);
    aggregator = await connect(loadConfig(EVALUATOR_ENV, envOf(scope)), `${scope.id}-aggregator`, ['metric']);
    return { scope, traffic: new Traffic(30) };
  }

  it('neither loses nor duplicates a transition when the process is killed with SIGKILL mid-stream and restarted', async () => {
    const { scope, traffic } = await setUp('evaluator-kill');
    const groupId = scope.env.EVALUATOR_GROUP_ID as string;
    const start = (): ChildProcess => spawn(process.execPath, [main], { env: envOf(scope), stdio: 'ignore' });
    const kill = async (instance: ChildProcess): Promise<void> => {
      if (instance.exitCode !== null || instance.signalCode !== null) return;
      const exited = new Promise((r) => instance.once('exit', r));
      instance.kill('SIGKILL');
      await exited;
    };
    let child = start();
    try {
      for (let kills = 0; kills < 2; kills++) {
        // Let this instance work through what is there, then kill it without warning while it takes new rounds.
        await publish(traffic, 3);
        await caughtUp(scope, groupId);
        await publish(traffic, 1);
        await publish(traffic, 1);
        await kill(child);
        child = start();
      }
      // The last instance waits for the killed one's session to end, then takes over from the committed offsets.
      await publish(traffic, 3);
      await caughtUp(scope, groupId);
    } finally {
      await kill(child);
    }
    await expectTransitions(scope, traffic);
  });

  it('neither loses nor duplicates a transition when the partitions move between two evaluators of one group and back', async () => {
    const { scope, traffic } = await setUp('evaluator-pair');
    const groupId = scope.env.EVALUATOR_GROUP_ID as string;
    const config = loadConfig(EVALUATOR_ENV, envOf(scope));
    const first = await startEvaluator(config);
    let second: Evaluator | undefined;
    try {
      await publish(traffic, 4);
      await caughtUp(scope, groupId);
      // The second takes some of the first's partitions and changes the states of their entities (five rounds flip
      // two customers in three an odd number of times, so what the first remembers of them is then wrong)...
      second = await startEvaluator(config);
      await groupSettled(scope, groupId, 2);
      await publish(traffic, 5);
      await caughtUp(scope, groupId);
      // ...and when it leaves, the first gets them back: it must judge from those states, not from what it remembered.
      await second.stop();
      second = undefined;
      await groupSettled(scope, groupId, 1);
      await publish(traffic, 4);
      await caughtUp(scope, groupId);
    } finally {
      await Promise.all([first.stop(), second?.stop()]);
    }
    await expectTransitions(scope, traffic);
  });
});
