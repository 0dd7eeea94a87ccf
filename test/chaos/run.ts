import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyRules } from '@callwatch/cli';
import { recorderReader } from '@callwatch/clickhouse';
import { COMMON_ENV, createLogger, loadConfig } from '@callwatch/core';
import { connect, type Connection } from '@callwatch/kafka';
import { RedisKeys, createRedis, readEntity } from '@callwatch/redis';
import type { Cdr } from '@callwatch/schemas';
import { FAULTS, type Fault, type FaultContext } from './faults';
import { ChaosInfra } from './infra';
import { TopicObserver } from './observer';
import { AwsFaultProxy, WebhookReceiver } from './receivers';
import { SERVICES, ServiceFleet } from '../support/service-fleet';
import { cdr } from '../support/cdrs';
import { ANSWERED, FAILED, HOUR_MS, RULE_ID, check, newRound, phaseCdrs, type Round, type Sources, type Stage, type Tally, emptyTally } from './truth';

const ROOT = join(__dirname, '..', '..', '..', '..');
const USAGE = `usage: npm run test:chaos -- [--only <regex>] [--customers <n>] [--rate <cdrs/s>] [--keep-infra]

Runs callwatch's services as real processes on a private copy of the local infrastructure (.run/chaos, ports
25000-25093), streams CDRs with a known outcome, injects one fault per round, and prints a scoreboard:
fault | survived | lost | duplicated | redelivered (same id) | recovery. Exits 1 if any row lost or duplicated anything.

  --only <regex>     run only the faults whose name matches (the baseline always runs first)
  --customers <n>    customers per round (default 50: ${FAILED + ANSWERED} CDRs each)
  --rate <n>         CDRs per second the simulated switches publish (default 100)
  --keep-infra       leave the private infrastructure running afterwards (default: stopped)
Faults: ${FAULTS.map((f) => f.name).join('; ')}.`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Row is one fault's line of the scoreboard. */
interface Row {
  fault: string;
  survived: boolean;
  lost: number;
  duplicated: number;
  redelivered: number;
  recoveryMs: number | null;
  details: string[];
}

// Publishes at a steady rate, as switches do, and keeps sending through a broker outage: a chunk that failed is sent
// again (so Kafka may hold it twice, as it would from a real switch; the round remembers which).
async function publishSteadily(switches: Connection, round: Round, cdrs: Cdr[], rate: number): Promise<void> {
  const chunk = Math.max(1, Math.round(rate / 10));
  for (let i = 0; i < cdrs.length; i += chunk) {
    const part = cdrs.slice(i, i + chunk);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await switches.publisher.publish(switches.topics.cdr, 'cdr', part.map((value) => ({ key: `customer:${value.customer_id}`, value })));
        break;
      } catch (err) {
        if (attempt > 600) throw new Error(`publishing CDRs failed for 5 minutes: ${(err as Error).message}`);
        for (const c of part) round.resent.add(c.cdr_id);
        await sleep(500);
      }
    }
    await sleep(Math.max(0, 100 - (Date.now() - started)));
  }
}

// until asks `condition` every second until it answers true, or the time is up; it says what was last missing.
/**
 * SteadyTraffic is the rest of the switches' traffic: customers who answer every call, published all through the
 * suite, so that no fault ever meets an idle pipeline (a service notices some faults, such as Redis losing its state,
 * with its next batch). At the end their hour windows must hold every call once.
 */
class SteadyTraffic {
  /** per customer, the calls the broker acknowledged, and those a failed publish may or may not have left there */
  readonly published = new Map<string, { sure: number; maybe: number }>();
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(private readonly switches: Connection, private readonly prefix: string, private readonly customers = 10) {}

  start(ratePerS: number): void {
    const perTick = Math.max(1, Math.round(ratePerS / 10));
    this.loop = (async () => {
      while (this.running) {
        const started = Date.now();
        const cdrs = Array.from({ length: perTick }, () => {
          const customer = `${this.prefix}steady-c${this.seq % this.customers}`;
          return cdr(customer, true, Date.now(), { cdr_id: `${customer}-${this.seq++}`, carrier_id: null, charge: 0 });
        });
        let sent = true;
        try {
          await this.switches.publisher.publish(this.switches.topics.cdr, 'cdr', cdrs.map((value) => ({ key: `customer:${value.customer_id}`, value })));
        } catch {
          sent = false; // the broker is away: Kafka may hold these calls or not
        }
        for (const c of cdrs) {
          const count = this.published.get(c.customer_id) ?? { sure: 0, maybe: 0 };
          if (sent) count.sure++;
          else count.maybe++;
          this.published.set(c.customer_id, count);
        }
        await sleep(Math.max(0, 100 - (Date.now() - started)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

async function until(what: string, condition: () => Promise<true | string>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let missing = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const answer = await condition();
      if (answer === true) return true;
      missing = answer;
    } catch (err) {
      // A source that is still coming back (the recorder after its SIGKILL, Redis after its pause): ask again.
      missing = `reading it failed: ${(err as Error).message}`;
    }
    await sleep(1_000);
  }
  say(`  gave up waiting for ${what} after ${timeoutMs / 1000} s; last missing: ${missing}`);
  return false;
}

// stageSeen answers true once these rounds lack nothing more than the rounds before them did, else what they lack.
async function stageSeen(rounds: Array<{ round: Round; stage: Stage }>, sources: Sources, before: Tally): Promise<true | string> {
  const tally = await check(rounds, sources);
  if (tally.lost === before.lost) return true;
  return `${tally.lost - before.lost} record(s), e.g. ${tally.details.filter((d) => !before.details.includes(d)).slice(0, 3).join('; ')}`;
}

async function waitHealthy(ports: Map<string, number>): Promise<void> {
  for (const [service, port] of ports) {
    const ok = await until(`${service}'s /healthz`, async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok || 'not healthy yet', 120_000);
    if (!ok) throw new Error(`${service} did not become healthy: see its log`);
  }
}

const subtract = (a: Tally, b: Tally): Tally => ({
  lost: a.lost - b.lost,
  duplicated: a.duplicated - b.duplicated,
  redelivered: a.redelivered - b.redelivered,
  details: a.details.filter((d) => !b.details.includes(d)),
  seen: Object.fromEntries(Object.entries(a.seen).map(([k, v]) => [k, v - (b.seen[k] ?? 0)])),
});

function table(rows: Row[]): string {
  const header = ['fault', 'survived', 'lost', 'duplicated', 'redelivered (same id)', 'recovery'];
  const cells = rows.map((r) => [r.fault, r.survived ? 'yes' : 'NO', String(r.lost), String(r.duplicated), String(r.redelivered), r.recoveryMs === null ? 'not recovered' : `${(r.recoveryMs / 1000).toFixed(1)} s`]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}

async function main(): Promise<number> {
  // The runner's own clients (the rule upload, the checks) keep quiet; the services log to their files.
  process.env.LOG_LEVEL ??= 'fatal';
  const { values } = parseArgs({ options: { only: { type: 'string' }, customers: { type: 'string', default: '50' }, rate: { type: 'string', default: '100' }, 'keep-infra': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const customers = Number(values.customers);
  const rate = Number(values.rate);
  if (!Number.isInteger(customers) || customers < 1) throw new Error(`--customers: expected a whole number of at least 1, got "${values.customers}"`);
  if (!(rate > 0)) throw new Error(`--rate: expected CDRs per second above 0, got "${values.rate}"`);
  const only = values.only === undefined ? undefined : new RegExp(values.only, 'i');
  const faults: Fault[] = FAULTS.filter((f, i) => i === 0 || only === undefined || only.test(f.name));

  const runDir = join(ROOT, '.run', 'chaos');
  const logDir = join(runDir, 'logs');
  rmSync(logDir, { recursive: true, force: true });
  rmSync(join(runDir, 'chdb'), { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const infra = new ChaosInfra(runDir, 25_000);
  say(`chaos: starting a private infrastructure in ${runDir} (Kafka, registry, Redis, moto)`);
  await infra.up('kafka', 'registry', 'redis', 'moto');
  const runId = `x${Date.now().toString(36)}`;
  const webhooks = new WebhookReceiver();
  await webhooks.start();
  const infraEnv = await infra.clientEnv();
  const ses = new AwsFaultProxy(infraEnv.AWS_ENDPOINT_URL as string);
  await ses.start();
  process.env.AWS_ENDPOINT_URL = infraEnv.AWS_ENDPOINT_URL; // where the checks read moto's mailbox
  const recorderPort = 25_470;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...infraEnv,
    TOPIC_PREFIX: `${runId}.`,
    REDIS_KEY_PREFIX: `${runId}:`,
    TOPIC_PARTITIONS: '3',
    LOG_LEVEL: 'info',
    // A dead instance's partitions and delivery claims move within seconds, not the production 30 s and 60 s.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    NOTIFY_CLAIM_LEASE_MS: '3000',
    AGGREGATOR_PERIODS: '5m,1h',
    ENFORCER_TICK_MS: '500',
    AWS_ENDPOINT_URL: ses.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    NOTIFY_TRANSPORT: 'aws',
    NOTIFY_CHARTS: 'false',
    NOTIFY_EMAIL_FROM: 'alerts@callwatch.test',
    WEBHOOK_SECRET: 'chaos-webhook-secret',
    NOTIFY_ALLOW_TARGETS: '127.0.0.1',
    CLICKHOUSE_PATH: join(runDir, 'chdb'),
    RECORDER_URL: `http://127.0.0.1:${recorderPort}`,
  };
  const config = loadConfig(COMMON_ENV, env);
  const switches = await connect(config, `${runId}-switches`, ['cdr']);
  const emailTo = `noc+${runId}@example.net`;
  const rulesDir = join(tmpdir(), `callwatch-chaos-${runId}`);
  mkdirSync(rulesDir, { recursive: true });
  writeFileSync(join(rulesDir, 'chaos.yaml'), [
    `id: ${RULE_ID}`, 'title: Chaos ASR', 'scope: { all: customers }', 'area: asr', 'operator: "<="', 'threshold: 40', 'reset_threshold: 60',
    'sample_period: 1h', 'min_attempts: 5', 'level: warning', 'penalty: 10s', `notify: [ { email: "${emailTo}" }, { webhook: "${webhooks.url}/hook" } ]`,
  ].join('\n'));
  await applyRules([rulesDir], { env, appliedBy: 'chaos', print: () => {} });

  const fleet = new ServiceFleet(env, logDir, recorderPort);
  fleet.start('recorder');
  for (const service of SERVICES.filter((s) => s !== 'recorder')) fleet.start(service);
  await waitHealthy(fleet.ports);
  const observer = new TopicObserver({ KAFKA_BROKERS: infraEnv.KAFKA_BROKERS as string, SCHEMA_REGISTRY_URL: infraEnv.SCHEMA_REGISTRY_URL as string }, switches.topics);
  await observer.start();
  // Redis restarts and pauses on purpose here: the checks retry, and its reconnections go to the runner's log level.
  const redis = createRedis(config.REDIS_URL, { name: 'chaos-check', log: createLogger('chaos-check') });
  redis.on('error', () => {});
  const sources: Sources = { redis, keys: new RedisKeys(config.REDIS_KEY_PREFIX), observer, webhooks, history: recorderReader(env.RECORDER_URL as string), emailTo };
  const ctx: FaultContext = { infra, fleet, ses, webhooks };
  say(`chaos: services up (logs in ${logDir}); ${faults.length} rounds of ${customers} customers at ${rate} CDRs/s\n`);

  const steady = new SteadyTraffic(switches, runId);
  steady.start(Math.max(10, rate / 5));
  const rows: Row[] = [];
  const done: Array<{ round: Round; stage: Stage }> = [];
  let before = emptyTally();
  try {
    for (const [i, fault] of faults.entries()) {
      const round = newRound(i + 1, fault.name, customers);
      round.prefix = `${runId}${round.prefix}`;
      round.customers = round.customers.map((c) => `${runId}${c}`);
      const started = Date.now();
      say(`${fault.name}: streaming, fault at 1.5 s`);
      const streaming = publishSteadily(switches, round, phaseCdrs(round, 'fired'), rate);
      await sleep(1_500);
      await fault.inject(ctx);
      const healed = Date.now();
      await streaming;
      const firedSeen = await until('the fired stage', () => stageSeen([...done, { round, stage: 'fired' }], sources, before), 180_000);
      const recoveryMs = firedSeen ? Date.now() - healed : null;
      await publishSteadily(switches, round, phaseCdrs(round, 'final'), rate);
      const finalSeen = await until('the final stage', () => stageSeen([...done, { round, stage: 'final' }], sources, before), 180_000);
      await sleep(5_000); // late copies would arrive now
      done.push({ round, stage: 'final' });
      const after = await check(done, sources);
      const delta = subtract(after, before);
      before = after;
      const crashed = SERVICES.filter((s) => !fleet.alive().includes(`${s}-1`));
      if (crashed.length > 0) delta.details.push(`exited on their own: ${crashed.join(', ')}`);
      const row: Row = { fault: fault.name, survived: firedSeen && finalSeen && delta.lost === 0 && delta.duplicated === 0 && crashed.length === 0, lost: delta.lost, duplicated: delta.duplicated, redelivered: delta.redelivered, recoveryMs, details: delta.details };
      rows.push(row);
      say(`  ${row.survived ? 'survived' : 'FAILED'}: lost ${row.lost}, duplicated ${row.duplicated}, redelivered ${row.redelivered}, recovery ${recoveryMs === null ? '-' : `${(recoveryMs / 1000).toFixed(1)} s`} (round took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
      say(`    read back: ${Object.entries(delta.seen).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      for (const d of row.details.slice(0, 5)) say(`    ${d}`);
      for (const c of crashed) fleet.start(c);
    }
    // Every call of the steady customers, counted once across every fault.
    await steady.stop();
    const steadyOk = await until('the steady traffic', async () => {
      const off: string[] = [];
      for (const [customer, { sure, maybe }] of steady.published) {
        const hour = (await readEntity(redis, sources.keys, `customer:${customer}`)).windows.find((w) => w.sample_period_ms === HOUR_MS);
        const counted = hour?.attempts ?? 0;
        if (counted < sure || counted > sure + maybe) off.push(`${customer} counted ${counted} of ${sure}${maybe > 0 ? ` (+${maybe} unacknowledged)` : ''}`);
      }
      return off.length === 0 || off.slice(0, 3).join('; ');
    }, 120_000);
    const calls = [...steady.published.values()].reduce((sum, c) => sum + c.sure, 0);
    say(`steady traffic: ${calls} calls of ${steady.published.size} customers through every fault, ${steadyOk ? 'each counted once' : 'NOT counted exactly once'}`);
    if (!steadyOk) rows.push({ fault: 'steady traffic through every fault', survived: false, lost: 0, duplicated: 0, redelivered: 0, recoveryMs: null, details: ['window totals of the steady customers are off'] });
  } finally {
    await steady.stop();
    await observer.stop().catch(() => {});
    redis.disconnect();
    await switches.close().catch(() => {});
    await fleet.stopAll();
    await webhooks.stop();
    await ses.stop();
    if (!values['keep-infra']) await infra.down('kafka', 'registry', 'redis', 'moto').catch((err) => say(String(err)));
  }
  const report = `${table(rows)}\n`;
  writeFileSync(join(runDir, 'scoreboard.txt'), `${report}\n${rows.flatMap((r) => r.details.map((d) => `${r.fault}: ${d}`)).join('\n')}\n`);
  say(`\n${report}\n(per-round details in ${join(runDir, 'scoreboard.txt')}; service logs in ${logDir})`);
  return rows.every((r) => r.survived) ? 0 : 1;
}

main().then((code) => process.exit(code), (err: Error) => {
  process.stderr.write(`chaos: ${err.message}\n`);
  process.exit(2);
});
