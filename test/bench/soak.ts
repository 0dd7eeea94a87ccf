#!/usr/bin/env node
// `npm run bench:soak`: the whole pipeline (aggregator, evaluator, notifier, enforcer, recorder, each a process of its
// own) under a steady load for minutes, with what an operator watches: throughput, consumer lag, CDR→alert latency,
// RSS over time, CPU per 1,000 CDRs, Redis memory per entity. Flags: --help. Needs the local infrastructure
// (npm run infra:up); its topics, consumer groups and Redis keys carry a prefix of their own and are removed after.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePortRun } from '../support/ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRules } from '@callwatch/cli';
import { COMMON_ENV, loadConfig, redisClusterNodes } from '@callwatch/core';
import { connect, type Connection } from '@callwatch/kafka';
import { SERVICES, ServiceFleet } from '../support/service-fleet';
import { cpuSeconds, groupCpuSeconds, infraPid, luaCalls, removeBenchData } from './figures';
import { consumerGroups, heapUsedBytes, readGroupOffsets, redisUse, rssBytes, runQueueSeconds, type ConsumerGroup, type GroupOffsets } from './soak-gauges';
import { parseSoakOptions, USAGE, type SoakOptions } from './soak-options';
import { countFiles, lagOf, load, n, newRun, printSummary, spellLatencies, type CdrsRead, type SoakRun, type Times } from './soak-report';
import { soakRules } from './soak-rules';
import { SoakTraffic } from './soak-traffic';
import { OutputWatch, WebhookSink } from './soak-watch';

const PARTITIONS = 6;
const TICK_MS = 100;
const RSS_EVERY_MS = 10_000;
const LINE_EVERY_MS = 30_000;
/** Billing's top-ups per second: enough to lift some balances back over their rules' reset thresholds. */
const PAYMENTS_PER_SECOND = 2;
/** How far behind its rate the publisher may fall before it gives up catching up (what it skips is counted). */
const MAX_BEHIND_MS = 1_000;
/** After the traffic stops, how long the groups get to read what is left, and how small a lag counts as read. */
const DRAIN_MS = 180_000;
const DRAINED_LAG = 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);
const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;

// ServiceFleet numbers the services' metrics ports up from a base: five free in a row, away from the demo's (9464…)
// and the chaos suite's (25000–25095, 25470).
const metricsPortBase = () => freePortRun(SERVICES.length, 26_100, 26_999);

async function waitHealthy(fleet: ServiceFleet, logDir: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (const [service, port] of fleet.ports) {
    const log = join(logDir, `${service}-1.log`);
    for (;;) {
      if (!fleet.alive().includes(`${service}-1`)) throw new Error(`${service} exited while starting; its log: ${log}`);
      if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) break;
      if (Date.now() > deadline) throw new Error(`${service} was not healthy 180 s after its start; its log: ${log}`);
      await sleep(500);
    }
  }
}

/** Setup is what one soak runs against: its prefix, connections, services, traffic and watcher. */
interface Setup {
  options: SoakOptions;
  prefix: string;
  redisUrl: string;
  conn: Connection;
  admin: ReturnType<Connection['kafka']['admin']>;
  groups: ConsumerGroup[];
  fleet: ServiceFleet;
  traffic: SoakTraffic;
  watch: OutputWatch;
}

/**
 * drive publishes for the whole run at the rate asked, samples every service's RSS every 10 s, and prints a line
 * every 30 s; CPU and Redis are read at the end of warm-up and at the end.
 */
async function drive(s: Setup, run: SoakRun, stopping: { now: boolean }): Promise<void> {
  const { options, conn, traffic, fleet } = s;
  const sampleRss = () => {
    for (const [name, pid] of fleet.pids()) run.rss.get(name)?.push({ atMs: Date.now(), value: rssBytes(pid) });
    for (const [service, port] of fleet.ports) {
      const atMs = Date.now();
      void heapUsedBytes(port).then((value) => run.heap.get(service)?.push({ atMs, value }));
    }
  };
  const redisPid = infraPid(redisClusterNodes(s.redisUrl) ? 'redis-cluster' : 'redis');
  const kafkaPid = infraPid('kafka');
  const times = async (): Promise<Times> => {
    const pids = [...fleet.pids()];
    const bench = process.cpuUsage();
    return {
      cpu: new Map(pids.map(([name, pid]) => [name, cpuSeconds(pid)])),
      runQueue: new Map(pids.map(([name, pid]) => [name, runQueueSeconds(pid)])),
      bench: (bench.user + bench.system) / 1e6,
      redis: redisPid === null ? NaN : groupCpuSeconds(redisPid),
      kafka: kafkaPid === null ? NaN : groupCpuSeconds(kafkaPid),
      lua: await luaCalls(s.redisUrl),
    };
  };
  let last = { atMs: run.startMs, published: 0, aggregator: 0, recorder: 0 };
  const line = async () => {
    const offsets = await readGroupOffsets(s.admin, s.groups);
    const now = Date.now();
    const read = cdrsReadBy(offsets, conn.topics.cdr);
    for (const service of SERVICES) run.lag.get(service)?.push({ atMs: now, value: lagOf(offsets, service) });
    run.consumed.push({ atMs: now, ...read });
    const secs = (now - last.atMs) / 1000;
    const fired = spellLatencies(traffic.spells, 'fired', 0, last.atMs);
    const rss = SERVICES.map((service) => `${service} ${n((run.rss.get(`${service}-1`)?.at(-1)?.value ?? NaN) / 2 ** 20)}`);
    const exited = SERVICES.filter((service) => !fleet.alive().includes(`${service}-1`));
    say(`[${clock(now - run.startMs)}] CDRs/s published ${n((run.published - last.published) / secs)}, read aggregator ${n((read.aggregator - last.aggregator) / secs)} recorder ${n((read.recorder - last.recorder) / secs)}`
      + ` | lag ${SERVICES.map((service) => `${service} ${n(lagOf(offsets, service))}`).join(', ')}`
      + ` | alerts ${n(counted(s, 'fired'))} fired, ${n(counted(s, 'reset'))} reset; CDR→fired p50 ${n(fired.p50)} p99 ${n(fired.p99)} ms (${fired.count} read)`
      + ` | RSS MiB ${rss.join(', ')} | load ${load()}${exited.length > 0 ? ` | EXITED: ${exited.join(', ')}` : ''}`);
    last = { atMs: now, published: run.published, ...read };
  };

  const rssTimer = setInterval(sampleRss, RSS_EVERY_MS);
  let nextLineMs = run.startMs + LINE_EVERY_MS;
  let lines = Promise.resolve();
  let zipfSent = 0;
  let paymentsSent = 0;
  try {
    sampleRss();
    while (!stopping.now && Date.now() < run.endMs) {
      const tickMs = Date.now();
      const elapsedMs = tickMs - run.startMs;
      let due = Math.floor((options.rate * elapsedMs) / 1000) - zipfSent;
      const behind = due - Math.ceil((options.rate * MAX_BEHIND_MS) / 1000);
      if (behind > 0) {
        run.skipped += behind;
        zipfSent += behind;
        due -= behind;
      }
      const cdrs = [...traffic.zipfCdrs(due, tickMs), ...traffic.spellCdrs(tickMs)];
      zipfSent += due;
      await conn.publisher.publish(conn.topics.cdr, 'cdr', cdrs.map((value) => ({ key: `customer:${value.customer_id}`, value })));
      run.published += cdrs.length;
      if (tickMs >= run.warmupEndMs && run.timesWarmup === null) {
        run.timesWarmup = await times();
        run.publishedAtWarmup = run.published;
        // Read beside the traffic: a scan of the keyspace or a round of admin requests must not hold the publisher up.
        void redisUse(s.redisUrl, s.prefix).then((use) => (run.redisWarmup = use), () => {});
        void readGroupOffsets(s.admin, s.groups).then((offsets) => (run.readWarmup = cdrsReadBy(offsets, conn.topics.cdr)), () => {});
      }
      const payments = Math.floor((PAYMENTS_PER_SECOND * elapsedMs) / 1000) - paymentsSent;
      if (payments > 0) {
        await conn.publisher.publish(conn.topics.payment, 'payment', Array.from({ length: payments }, () => {
          const value = traffic.payment(tickMs);
          return { key: `customer:${value.customer_id}`, value };
        }));
        paymentsSent += payments;
      }
      if (tickMs >= nextLineMs) {
        nextLineMs += LINE_EVERY_MS;
        lines = lines.then(line).catch((err: Error) => void say(`(the 30-second line failed: ${err.message})`));
      }
      await sleep(Math.max(0, TICK_MS - (Date.now() - tickMs)));
    }
    run.endMs = Date.now();
    sampleRss();
    run.timesEnd = await times();
    run.redisEnd = await redisUse(s.redisUrl, s.prefix);
    await lines;
    await line();
  } finally {
    clearInterval(rssTimer);
  }
}

const counted = (s: Setup, key: string) => s.watch.counts[key] ?? 0;
/** cdrsReadBy is how many CDRs the aggregator and the recorder have committed on the CDR topic. */
function cdrsReadBy(offsets: GroupOffsets[], cdrTopic: string): CdrsRead {
  const read = (service: string) => offsets.filter((o) => o.group.service === service).reduce((sum, o) => sum + (o.committed.get(cdrTopic) ?? 0), 0);
  return { aggregator: read('aggregator'), recorder: read('recorder') };
}

/** drain waits, after the traffic, until every group has read what was published (or DRAIN_MS passed). */
async function drain(s: Setup, run: SoakRun): Promise<void> {
  const started = Date.now();
  for (;;) {
    const offsets = await readGroupOffsets(s.admin, s.groups);
    run.drainLag = Object.fromEntries(SERVICES.map((service) => [service, lagOf(offsets, service)]));
    if (offsets.every((o) => o.lag <= DRAINED_LAG)) {
      run.drainSeconds = (Date.now() - started) / 1000;
      return;
    }
    if (Date.now() - started > DRAIN_MS) return;
    await sleep(2_000);
  }
}

async function main(): Promise<number> {
  const options = parseSoakOptions(process.argv.slice(2));
  if (options.help) {
    say(USAGE);
    return 0;
  }
  // The benchmark's own clients (the rule upload) keep quiet; the services log to their files.
  process.env.LOG_LEVEL ??= 'warn';
  const stopping = { now: false };
  process.once('SIGINT', () => {
    stopping.now = true;
    say('SIGINT: ending the traffic now; the summary covers what ran');
  });
  const dir = mkdtempSync(join(tmpdir(), 'callwatch-soak-'));
  const prefix = `soak-${randomUUID().slice(0, 8)}.`;
  const logDir = join(dir, 'logs');
  const outbox = join(dir, 'outbox');
  mkdirSync(logDir);
  const webhook = new WebhookSink();
  await webhook.start();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TOPIC_PREFIX: prefix, REDIS_KEY_PREFIX: prefix, TOPIC_PARTITIONS: String(PARTITIONS), LOG_LEVEL: 'info',
    AGGREGATOR_GROUP_ID: `${prefix}aggregator`, EVALUATOR_GROUP_ID: `${prefix}evaluator`, NOTIFIER_GROUP_ID: `${prefix}notifier`,
    ENFORCER_GROUP_ID: `${prefix}enforcer`, RECORDER_GROUP_ID: `${prefix}recorder`,
    // Emails and SMS into files, charts included; webhooks to the local sink.
    NOTIFY_TRANSPORT: 'outbox', NOTIFY_OUTBOX_DIR: outbox, WEBHOOK_SECRET: 'soak-webhook-secret', NOTIFY_ALLOW_TARGETS: '127.0.0.1',
    CLICKHOUSE_URL: '', CLICKHOUSE_PATH: join(dir, 'chdb'),
  };
  const config = loadConfig(COMMON_ENV, env);
  const run = newRun(options);
  say(`machine: ${run.machine}; load average ${run.loadStart}`);
  say(`${n(options.rate)} CDRs/s for ${n(options.minutes, 1)} min (warm-up ${n(options.warmupMinutes, 1)} min), ${n(options.customers)} customers, ${n(options.rules)} rules; prefix ${prefix}; logs in ${logDir}`);
  run.redisBefore = await redisUse(config.REDIS_URL, prefix);
  const conn = await connect(config, `${prefix}switches`, ['cdr', 'account', 'payment']);
  const admin = conn.kafka.admin();
  await admin.connect();
  const groups = consumerGroups(prefix, conn.topics);
  const fleet = new ServiceFleet(env, logDir, await metricsPortBase());
  const traffic = new SoakTraffic(options.customers);
  const watch = new OutputWatch(conn, traffic);
  const s: Setup = { options, prefix, redisUrl: config.REDIS_URL, conn, admin, groups, fleet, traffic, watch };
  let keep = options.keep;
  try {
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(join(rulesDir, 'soak.json'), JSON.stringify(soakRules(options.rules, traffic.customers, { email: 'noc@soak.example.net', webhook: webhook.url })));
    await applyRules([rulesDir], { env, appliedBy: 'bench-soak', print: () => {} });
    await publishAccounts(conn, traffic);
    const started = Date.now();
    fleet.start('recorder');
    for (const service of SERVICES.filter((name) => name !== 'recorder')) fleet.start(service);
    await waitHealthy(fleet, logDir);
    await watch.start(`${prefix}soak-watch`);
    say(`services healthy in ${n((Date.now() - started) / 1000, 1)} s; traffic starts\n`);

    run.startMs = Date.now();
    run.warmupEndMs = run.startMs + options.warmupMinutes * 60_000;
    run.endMs = run.startMs + options.minutes * 60_000;
    await drive(s, run, stopping);
    say(`traffic stopped; waiting up to ${DRAIN_MS / 1000} s for every group to read what is left`);
    await drain(s, run);
    run.loadEnd = load();
    run.exited = SERVICES.filter((service) => !fleet.alive().includes(`${service}-1`));
    run.spells = traffic.spells;
    run.stray = watch.stray;
    run.counts = { ...watch.counts, 'webhooks received': webhook.received, 'outbox emails': countFiles(outbox, '.eml') };
    keep ||= run.exited.length > 0;
    printSummary(run);
    return 0;
  } catch (err) {
    keep = true; // its message may point at a service's log
    throw err;
  } finally {
    await watch.stop().catch(() => {});
    await fleet.stopAll();
    await webhook.stop();
    await removeGroups(admin, prefix);
    await admin.disconnect();
    await removeBenchData(conn.kafka, config.REDIS_URL, prefix);
    await conn.close();
    if (keep) say(`kept ${dir} (service logs, ClickHouse folder, outbox)`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * removeGroups deletes the run's consumer groups, the compacted tables' too. A service killed at the end of stopAll
 * leaves its members in the group until the session times out (KAFKA_SESSION_TIMEOUT_MS, 30 s), and Kafka refuses to
 * delete a group with members: so it tries again for a minute.
 */
async function removeGroups(admin: Setup['admin'], prefix: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const left = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
    if (left.length === 0) return;
    // KafkaJS's error lists the groups it could not delete; any other error leaves them all.
    const failed = await admin.deleteGroups(left).then(() => [], (err: { groups?: Array<{ groupId: string; errorCode: number }> }) =>
      err.groups?.filter((g) => g.errorCode !== 0) ?? left.map((groupId) => ({ groupId, errorCode: -1 })));
    if (failed.length === 0) return;
    if (Date.now() > deadline) {
      say(`could not delete these consumer groups (still members?): ${failed.map((g) => g.groupId).join(', ')}`);
      return;
    }
    await sleep(5_000);
  }
}

async function publishAccounts(conn: Connection, traffic: SoakTraffic): Promise<void> {
  const accounts = traffic.accounts(Date.now());
  for (let i = 0; i < accounts.length; i += 5_000) {
    await conn.publisher.publish(conn.topics.account, 'account', accounts.slice(i, i + 5_000).map((value) => ({ key: value.entity, value })));
  }
}

// Exit once what was written has been flushed: a pipe takes its writes asynchronously.
main().then((code) => process.stdout.write('', () => process.exit(code)), (err: Error) => {
  process.stderr.write(`bench:soak: ${err.message}\n`, () => process.exit(1));
});
