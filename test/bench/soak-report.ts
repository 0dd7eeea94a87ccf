import { readdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { SERVICES, type ServiceName } from '../support/service-fleet';
import { percentile } from './figures';
import { growth, perMinute, type GroupOffsets, type RedisUse, type Sample } from './soak-gauges';
import type { SoakOptions } from './soak-options';
import type { Spell } from './soak-traffic';

export const n = (value: number, digits = 0) =>
  (Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '?');
export const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const mib = (bytes: number) => bytes / 2 ** 20;
const say = (line: string) => process.stdout.write(`${line}\n`);

/** lagOf sums the lag of a service's consumer groups. */
export const lagOf = (offsets: GroupOffsets[], service: ServiceName) => offsets.filter((o) => o.group.service === service).reduce((sum, o) => sum + o.lag, 0);

/** CdrsRead is how many CDRs the two services that read the CDR topic had committed. */
export interface CdrsRead {
  aggregator: number;
  recorder: number;
}

/**
 * Times are, at one moment, the CPU seconds and the seconds spent waiting for a core (run queue) of each service
 * instance, the CPU seconds of this process, and those of the shared Redis and Kafka with Redis's Lua calls so far.
 */
export interface Times {
  cpu: Map<string, number>;
  runQueue: Map<string, number>;
  bench: number;
  redis: number;
  kafka: number;
  lua: { calls: number; usec: number };
}

/** SoakRun is everything one soak measured, filled in as it runs. */
export interface SoakRun {
  options: SoakOptions;
  machine: string;
  loadStart: string;
  loadEnd: string;
  startMs: number;
  warmupEndMs: number;
  /** when the traffic stopped */
  endMs: number;
  published: number;
  publishedAtWarmup: number;
  /** CDRs the publisher could not make in time (it never falls more than a second behind) */
  skipped: number;
  /** RSS samples by instance (`aggregator-1`) */
  rss: Map<string, Sample[]>;
  /** V8 heap in use by service, sampled with the RSS */
  heap: Map<string, Sample[]>;
  /** lag of each service's groups, every 30 s */
  lag: Map<string, Sample[]>;
  /** CDRs the aggregator and the recorder had committed on the CDR topic, every 30 s */
  consumed: Array<{ atMs: number } & CdrsRead>;
  /** CDRs read at the end of warm-up (the end is the last of `consumed`) */
  readWarmup: CdrsRead | null;
  /** CPU and run-queue times at the end of warm-up and when the traffic stopped */
  timesWarmup: Times | null;
  timesEnd: Times | null;
  redisBefore: RedisUse | null;
  redisWarmup: RedisUse | null;
  redisEnd: RedisUse | null;
  drainSeconds: number | null;
  drainLag: Record<string, number>;
  spells: Spell[];
  stray: number;
  counts: Record<string, number>;
  exited: string[];
}

/** newRun starts the record of a run: the machine and its load now. */
export function newRun(options: SoakOptions): SoakRun {
  const cores = cpus();
  return {
    options, machine: `${cores.length} cores (${cores[0]?.model.trim() ?? '?'}), ${n(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    loadStart: load(), loadEnd: '', startMs: 0, warmupEndMs: 0, endMs: 0, published: 0, publishedAtWarmup: 0, skipped: 0,
    rss: new Map(SERVICES.map((s) => [`${s}-1`, []])), heap: new Map(SERVICES.map((s) => [s, []])), lag: new Map(SERVICES.map((s) => [s, []])), consumed: [], readWarmup: null, timesWarmup: null, timesEnd: null,
    redisBefore: null, redisWarmup: null, redisEnd: null, drainSeconds: null, drainLag: {}, spells: [], stray: 0, counts: {}, exited: [],
  };
}

/** Latency is the CDR→alert latency of the bad spells: how many tipped, how many alerts were read, p50 and p99 in ms. */
export interface Latency {
  tipped: number;
  count: number;
  p50: number;
  p99: number;
}

/**
 * spellLatencies measures, over the spells whose tipping CDR (fired or reset) was published at `tippedFromMs` or later,
 * the time from that publish to the alert being read, for the alerts read at `readFromMs` or later.
 */
export function spellLatencies(spells: readonly Spell[], type: 'fired' | 'reset', tippedFromMs: number, readFromMs = 0): Latency {
  const tipped = spells.flatMap((s) => {
    const [tip, read] = type === 'fired' ? [s.firedTipMs, s.firedReadMs] : [s.resetTipMs, s.resetReadMs];
    return tip !== null && tip >= tippedFromMs ? [{ tip, read }] : [];
  });
  const ms = tipped.flatMap(({ tip, read }) => (read !== null && read >= readFromMs ? [read - tip] : [])).sort((a, b) => a - b);
  return { tipped: tipped.length, count: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

/** countFiles counts the files below a folder whose names end with `suffix` (0 when there is no folder). */
export function countFiles(dir: string, suffix: string): number {
  try {
    return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile() && e.name.endsWith(suffix)).length;
  } catch {
    return 0;
  }
}

const series = (values: number[], digits = 0) => values.map((v) => n(v, digits)).join(' ');

/** printSummary prints what the run measured, each figure with what it was measured over. */
export function printSummary(run: SoakRun): void {
  const { options } = run;
  const at = (ms: number) => `${n((ms - run.startMs) / 60_000, 1)} min`;
  const trafficSecs = (run.endMs - run.startMs) / 1000;
  const afterWarmup = run.published - run.publishedAtWarmup;
  say('\n== soak summary ==');
  say(`machine: ${run.machine}; load average ${run.loadStart} at start, ${run.loadEnd} at the end`);
  say(`load: ${n(options.rate)} CDRs/s for ${n(trafficSecs / 60, 1)} min (warm-up ${n(options.warmupMinutes, 1)} min), ${n(options.customers)} customers, ${n(options.rules)} rules`);

  const first = run.consumed.find((c) => c.atMs >= run.warmupEndMs);
  const last = run.consumed.at(-1);
  const readRate = (side: 'aggregator' | 'recorder') => (first && last && last.atMs > first.atMs ? (last[side] - first[side]) / ((last.atMs - first.atMs) / 1000) : NaN);
  say(`throughput: published ${n(run.published)} CDRs, ${n(run.published / trafficSecs)}/s${run.skipped > 0 ? ` (${n(run.skipped)} more were due but the publisher was over a second behind)` : ''};`
    + ` read from the CDR topic after warm-up: aggregator ${n(readRate('aggregator'))}/s, recorder ${n(readRate('recorder'))}/s`);

  say('consumer lag, messages (end offset − committed, every 30 s):');
  for (const service of SERVICES) {
    const samples = run.lag.get(service) ?? [];
    const max = samples.reduce((m, s) => (s.value > m.value ? s : m), { atMs: run.startMs, value: 0 });
    say(`  ${service.padEnd(10)} ${series(samples.map((s) => s.value))}; max ${n(max.value)} at ${at(max.atMs)}, ${n(samples.at(-1)?.value ?? NaN)} when the traffic stopped`);
  }
  say(run.drainSeconds === null
    ? `  NOT drained 180 s after the traffic stopped: ${SERVICES.map((s) => `${s} ${n(run.drainLag[s] ?? NaN)}`).join(', ')}`
    : `  every group within 1,000 messages of the end ${n(run.drainSeconds, 0)} s after the traffic stopped`);

  const fired = spellLatencies(run.spells, 'fired', run.warmupEndMs);
  const reset = spellLatencies(run.spells, 'reset', run.warmupEndMs);
  const firedAll = spellLatencies(run.spells, 'fired', 0);
  say(`CDR→alert latency, bad spells tipped after warm-up (publish of the tipping CDR → alert read on the alert topic):`);
  say(`  fired p50 ${n(fired.p50)} ms, p99 ${n(fired.p99)} ms (${fired.count} read of ${fired.tipped}); reset p50 ${n(reset.p50)} ms, p99 ${n(reset.p99)} ms (${reset.count} of ${reset.tipped})`);
  say(`  whole run, fired: p50 ${n(firedAll.p50)} ms, p99 ${n(firedAll.p99)} ms (${firedAll.count} of ${firedAll.tipped}); tipping-rule alerts matching no spell: ${n(run.stray)}`);

  say(`memory, MiB: RSS and V8 heap in use (the last sample of each minute; growth from the end of warm-up at ${at(run.warmupEndMs)} to the end, and a line fitted through the samples after it):`);
  const memory = (label: string, samples: Sample[]) => {
    const g = growth(samples, run.warmupEndMs);
    const grew = g === null ? 'no samples after warm-up' : `${n(mib(g.from))} → ${n(mib(g.to))}: ${mib(g.to - g.from) >= 0 ? '+' : ''}${n(mib(g.to - g.from), 1)} MiB (${n(((g.to - g.from) / g.from) * 100, 1)}%), trend ${n(mib(g.perMinute), 2)} MiB/min`;
    say(`  ${label.padEnd(16)} ${series(perMinute(samples, run.startMs).map(mib))} | ${grew}`);
  };
  for (const service of SERVICES) {
    memory(`${service} RSS`, run.rss.get(`${service}-1`) ?? []);
    memory(`${service} heap`, run.heap.get(service) ?? []);
  }

  const [t0, t1] = [run.timesWarmup, run.timesEnd];
  if (t0 && t1 && afterWarmup > 0) {
    const seconds = (run.endMs - run.warmupEndMs) / 1000;
    const per1000 = (used: number) => n((used / afterWarmup) * 1_000, 3);
    const delta = (pick: (t: Times) => Map<string, number>, name: string) => (pick(t1).get(name) ?? NaN) - (pick(t0).get(name) ?? NaN);
    const names = SERVICES.map((service) => `${service}-1`);
    const total = names.reduce((sum, name) => sum + delta((t) => t.cpu, name), 0);
    say(`CPU seconds per 1,000 CDRs published after warm-up (${n(afterWarmup)} CDRs in ${n(seconds)} s): ${names.map((name) => `${name.replace(/-1$/, '')} ${per1000(delta((t) => t.cpu, name))}`).join(', ')};`
      + ` services together ${per1000(total)} (${n(total / seconds, 2)} cores); this process (switches, billing, watchers) ${per1000(t1.bench - t0.bench)}`);
    // A service that fell behind did less than was published: per CDR it read, then.
    const readEnd = run.consumed.at(-1);
    if (run.readWarmup && readEnd) {
      const perRead = (service: 'aggregator' | 'recorder') => {
        const read = readEnd[service] - (run.readWarmup?.[service] ?? NaN);
        return `${service} ${n((delta((t) => t.cpu, `${service}-1`) / read) * 1_000, 3)} (${n(read)} read)`;
      };
      say(`  per 1,000 CDRs each read from the CDR topic in the same time: ${perRead('aggregator')}, ${perRead('recorder')}`);
    }
    // Every thread's wait counts: a process that waited as long as it ran (1.0) ran at half the speed it could have.
    say(`  seconds waited for a core while ready to run, per CPU second used (run queue): ${names.map((name) => `${name.replace(/-1$/, '')} ${n(delta((t) => t.runQueue, name) / delta((t) => t.cpu, name), 2)}`).join(', ')}`);
    const lua = { calls: t1.lua.calls - t0.lua.calls, usec: t1.lua.usec - t0.lua.usec };
    say(`  shared infrastructure in the same time, other users' load included: Redis ${n((t1.redis - t0.redis) / seconds, 2)} cores of CPU; its Lua calls ${n(lua.calls)},`
      + ` ${n(lua.usec / lua.calls)} µs each as Redis times them (wall clock: a Redis waiting for a core counts too); Kafka ${n((t1.kafka - t0.kafka) / seconds, 2)} cores`);
  }

  const perEntity = (use: RedisUse | null) => (use && run.redisBefore && use.entities > 0 ? `${n((use.usedBytes - run.redisBefore.usedBytes) / use.entities / 1024, 1)} KiB per entity (used_memory ${mib(use.usedBytes - run.redisBefore.usedBytes) >= 0 ? '+' : ''}${n(mib(use.usedBytes - run.redisBefore.usedBytes))} MiB over ${n(use.entities)} entities with state)` : '?');
  say(`Redis memory: at the end of warm-up ${perEntity(run.redisWarmup)}; when the traffic stopped ${perEntity(run.redisEnd)}`);

  say(`outputs read back: ${Object.entries(run.counts).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  if (run.exited.length > 0) say(`EXITED during the run: ${run.exited.join(', ')} (the run's folder is kept: see their logs)`);
}
