import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { entityStatus } from '@callwatch/cli';
import { ALIGNED_ASSIGNER, AssignerProtocol, connect, type Connection } from '@callwatch/kafka';
import { RedisKeys, createRedis } from '@callwatch/redis';
import type { Cdr } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { eventually, testScope, type TestScope } from '../support/harness';
import { freePort } from '../support/ports';

const main = join(__dirname, '..', '..', 'services', 'aggregator', 'dist', 'main.js');

/** Traffic is a set of CDRs published in rounds, remembering how many each entity should end up with. */
class Traffic {
  readonly expected = new Map<string, number>();
  private seq = 0;
  constructor(private readonly tag: string, private readonly customers: number, private readonly carriers: number) {}

  round(size: number): Cdr[] {
    return Array.from({ length: size }, () => {
      const n = this.seq++;
      const value = cdr(`${this.tag}-c${n % this.customers}`, n % 3 === 0, Date.now(), { cdr_id: `${this.tag}-${n}`, carrier_id: `${this.tag}-t${n % this.carriers}` });
      for (const entity of [`customer:${value.customer_id}`, `carrier:${value.carrier_id}`]) this.expected.set(entity, (this.expected.get(entity) ?? 0) + 1);
      return value;
    });
  }
}

async function expectCounted(scope: TestScope, traffic: Traffic): Promise<void> {
  await eventually(async () => {
    for (const [entity, attempts] of traffic.expected) {
      const status = await entityStatus(entity, scope.env);
      expect({ entity, attempts: status.windows[0]?.attempts }).toEqual({ entity, attempts });
    }
  }, { timeoutMs: 90_000, intervalMs: 500 });
}

describe('aggregator under faults', () => {
  let scope: TestScope;
  let switches: Connection;
  // The broker's minimum session timeout, so a killed instance's partitions move on quickly.
  const env = () => ({ ...scope.env, AGGREGATOR_PERIODS: '1h', KAFKA_SESSION_TIMEOUT_MS: '6000' });
  const send = (cdrs: Cdr[]) => switches.publisher.publish(switches.topics.cdr, 'cdr', cdrs.map((c) => ({ key: `customer:${c.customer_id}`, value: c })));

  beforeAll(async () => {
    scope = await testScope('faults');
    switches = await connect(loadConfig(AGGREGATOR_ENV, env()), `${scope.id}-switch`, ['cdr']);
  });

  afterAll(async () => {
    await switches?.close();
  });

  it('counts every CDR exactly once when the process is killed with SIGKILL mid-stream and restarted', async () => {
    const traffic = new Traffic(`kill-${scope.id}`, 40, 7);
    const start = (): ChildProcess => spawn(process.execPath, [main], { env: { ...env(), AGGREGATOR_GROUP_ID: `${scope.id}-killed` }, stdio: 'ignore' });
    let child = start();
    try {
      // Publish while the aggregator works, and kill it without warning twice along the way.
      for (let round = 0; round < 30; round++) {
        await send(traffic.round(100));
        if (round === 10 || round === 20) {
          await new Promise((r) => setTimeout(r, 150 + round * 10));
          child.kill('SIGKILL');
          await new Promise((r) => child.once('exit', r));
          child = start();
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await expectCounted(scope, traffic);
    } finally {
      child.kill('SIGKILL');
    }
  });

  /** sendUntilKilled publishes rounds while the child works, until it kills itself (its failpoint), and answers the signal. */
  async function sendUntilKilled(child: ChildProcess, traffic: Traffic): Promise<NodeJS.Signals | null> {
    let signal: NodeJS.Signals | null | undefined;
    child.once('exit', (_, s) => (signal = s));
    for (let round = 0; round < 100 && signal === undefined; round++) {
      await send(traffic.round(50));
      await new Promise((r) => setTimeout(r, 100));
    }
    return signal ?? null;
  }

  /** aheadOfKafka lists the entities whose offsets in Redis are past what their group committed in Kafka. */
  async function aheadOfKafka(traffic: Traffic, groupId: string): Promise<string[]> {
    const admin = switches.kafka.admin();
    await admin.connect();
    const redis = createRedis(scope.env.REDIS_URL as string, { name: 'test' });
    const keys = new RedisKeys(scope.env.REDIS_KEY_PREFIX);
    const ahead: string[] = [];
    try {
      for (const [side, group, topic] of [['customer', groupId, switches.topics.cdr], ['carrier', `${groupId}-carrier`, switches.topics.cdrByCarrier]] as const) {
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        for (const entity of traffic.expected.keys()) {
          if (!entity.startsWith(`${side}:`)) continue;
          const offsets = await redis.hgetall(keys.entityMeta(entity));
          for (const { partition, offset } of committed?.partitions ?? []) {
            const applied = offsets[`off:${topic}/${partition}`];
            if (applied !== undefined && Number(applied) >= Number(offset)) ahead.push(`${entity} ${topic}/${partition}`);
          }
        }
      }
    } finally {
      redis.disconnect();
      await admin.disconnect();
    }
    return ahead;
  }

  it('counts nothing twice when killed between writing a checkpoint and committing to Kafka', async () => {
    const traffic = new Traffic(`ahead-${scope.id}`, 40, 7);
    const groupId = `${scope.id}-ahead`;
    const spawnWith = (extra: Record<string, string>) => spawn(process.execPath, [main], { env: { ...env(), AGGREGATOR_GROUP_ID: groupId, ...extra }, stdio: 'ignore' });
    // Killed by SIGKILL right after its fourth checkpoint: Redis then holds what Kafka will deliver again.
    let child = spawnWith({ CALLWATCH_FAILPOINT: 'after-checkpoint:4' });
    try {
      expect(await sendUntilKilled(child, traffic)).toBe('SIGKILL');
      // The checkpoint is ahead of the committed offsets of the side it was written for (customer or carrier).
      expect((await aheadOfKafka(traffic, groupId)).length).toBeGreaterThan(0);
      child = spawnWith({});
      await expectCounted(scope, traffic);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('counts nothing twice when killed between checkpoints, with batches folded in memory and not yet written', async () => {
    const traffic = new Traffic(`between-${scope.id}`, 40, 7);
    const groupId = `${scope.id}-between`;
    const spawnWith = (extra: Record<string, string>) => spawn(process.execPath, [main], {
      env: { ...env(), AGGREGATOR_GROUP_ID: groupId, AGGREGATOR_CHECKPOINT_MS: '700', ...extra }, stdio: 'ignore',
    });
    // Killed as its fifth checkpoint begins: what it folded for 700 ms dies with it, what the fourth wrote is in Redis.
    let child = spawnWith({ CALLWATCH_FAILPOINT: 'before-checkpoint:5' });
    try {
      expect(await sendUntilKilled(child, traffic)).toBe('SIGKILL');
      // Redis holds less than was published, customer and carrier sides together (the batches folded and lost may be
      // either side's): Kafka delivers them again.
      let counted = 0;
      for (const entity of traffic.expected.keys()) counted += (await entityStatus(entity, scope.env)).windows[0]?.attempts ?? 0;
      const published = [...traffic.expected.values()].reduce((n, c) => n + c, 0);
      expect(counted).toBeGreaterThan(0);
      expect(counted).toBeLessThan(published);
      // Restarted with checkpoints after every batch, and again with a long interval: the same totals either way.
      child = spawnWith({ AGGREGATOR_CHECKPOINT_MS: '0' });
      await expectCounted(scope, traffic);
      child.kill('SIGKILL');
      await send(traffic.round(200));
      child = spawnWith({});
      await expectCounted(scope, traffic);
    } finally {
      child.kill('SIGKILL');
    }
  });

  // With checkpoints on an interval, a customer's calls and billing written by two instances overtake each other's
  // pending batches too: each is folded again into what the other wrote.
  it.each([['after every batch', '0'], ['every 200 ms', '200']])('splits the partitions between two instances and gets the same totals as one, checkpointing %s', async (_, intervalMs) => {
    const traffic = new Traffic(`two${intervalMs}-${scope.id}`, 30, 5);
    const config = loadConfig(AGGREGATOR_ENV, { ...env(), AGGREGATOR_GROUP_ID: `${scope.id}-pair${intervalMs}`, AGGREGATOR_CHECKPOINT_MS: intervalMs });
    const pair: Aggregator[] = [await startAggregator(config), await startAggregator(config)];
    try {
      for (let round = 0; round < 10; round++) await send(traffic.round(200));
      await expectCounted(scope, traffic);
    } finally {
      await Promise.all(pair.map((a) => a.stop()));
    }
  });

  // Worker threads (AGGREGATOR_WORKERS): each a member of the groups like an instance of its own, in one process that
  // serves their health and their metrics summed. Killed with SIGKILL (the whole process, every thread) mid-stream.
  it('counts every CDR once with two worker threads, killed with SIGKILL and restarted, and serves their health and metrics', async () => {
    const traffic = new Traffic(`threads-${scope.id}`, 40, 7);
    const groupId = `${scope.id}-threads`;
    const port = await freePort();
    const start = () => spawn(process.execPath, [main], { env: { ...env(), AGGREGATOR_GROUP_ID: groupId, AGGREGATOR_WORKERS: '2', METRICS_PORT: String(port) }, stdio: 'ignore' });
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: res.status, text: await res.text() };
    };
    let child = start();
    try {
      await eventually(async () => expect((await get('/healthz')).status).toBe(200), { timeoutMs: 60_000, intervalMs: 250 });
      expect(JSON.parse((await get('/healthz')).text)).toEqual({ status: 'ok', failing: [] });
      for (let round = 0; round < 20; round++) {
        await send(traffic.round(100));
        if (round === 10) {
          await new Promise((r) => setTimeout(r, 300));
          child.kill('SIGKILL');
          await new Promise((r) => child.once('exit', r));
          child = start();
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await expectCounted(scope, traffic);
      // Two members in each side's group: one per thread.
      const admin = switches.kafka.admin();
      await admin.connect();
      try {
        const { groups } = await admin.describeGroups([groupId, `${groupId}-carrier`, `${groupId}-billing`]);
        expect(groups.map((g) => g.members.length)).toEqual([2, 2, 2]);
        expect(groups.map((g) => g.protocol)).toEqual([ALIGNED_ASSIGNER, ALIGNED_ASSIGNER, ALIGNED_ASSIGNER]);
        // Partitions by number: each thread has the same partitions of the calls and of the billing (a customer's
        // calls and payments are counted by one thread), and the two threads split them.
        const byThread = (group: (typeof groups)[number], topic: string) => new Map(group.members.map((m) => [
          AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData.toString('utf8'),
          AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [],
        ]));
        const [customer, , billing] = groups as [(typeof groups)[number], (typeof groups)[number], (typeof groups)[number]];
        const calls = byThread(customer, scope.topics.cdr);
        expect(byThread(billing, scope.topics.payment)).toEqual(calls);
        expect(byThread(billing, scope.topics.account)).toEqual(calls);
        expect([...calls.values()].flat().sort()).toEqual([0, 1, 2]);
        expect([...calls.values()].every((p) => p.length > 0)).toBe(true);
      } finally {
        await admin.disconnect();
      }
      // The restarted process counted the second half: its threads' counters, summed, on one /metrics with the process's own.
      const metrics = (await get('/metrics')).text;
      const events = metrics.split('\n').filter((l) => l.startsWith('callwatch_aggregator_events_total')).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
      expect(events).toBeGreaterThanOrEqual(2 * 900);
      expect(metrics.match(/^process_cpu_seconds_total/gm)).toHaveLength(1);
      // A graceful stop stops every thread, and the process exits cleanly.
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  // A worker thread that dies (here: its failpoint ends it after its third checkpoint) takes its process with it,
  // exit code 1 and no signal, for the supervisor to restart; nothing it or its sibling counted is counted twice.
  it('exits the process when a worker thread dies, and counts every CDR once after the restart', async () => {
    const traffic = new Traffic(`threadexit-${scope.id}`, 30, 5);
    const spawnWith = (extra: Record<string, string>) => spawn(process.execPath, [main], {
      env: { ...env(), AGGREGATOR_GROUP_ID: `${scope.id}-threadexit`, AGGREGATOR_WORKERS: '2', ...extra }, stdio: 'ignore',
    });
    let child = spawnWith({ CALLWATCH_FAILPOINT: 'thread-exit-after-checkpoint:3' });
    try {
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
      let done = false;
      void exited.then(() => (done = true));
      for (let round = 0; round < 60 && !done; round++) {
        await send(traffic.round(50));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await exited).toEqual([1, null]);
      await send(traffic.round(100));
      child = spawnWith({});
      await expectCounted(scope, traffic);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
