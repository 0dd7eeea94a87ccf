import { createWriteStream, type WriteStream } from 'node:fs';
import type { Command } from 'commander';
import { CallwatchError, parseDuration } from '@callwatch/core';
import { connect, type Connection, type OutgoingMessage } from '@callwatch/kafka';
import type { Account, CallStart, Cdr, Payment } from '@callwatch/schemas';
import type { InputEvent } from '@callwatch/windows';
import { cliConfig } from '../env';
import { DEMO_RATE, demoScenarios, demoTimeline } from '../simulate-demo';
import { progressReporter, type SimulateProgress } from '../simulate-progress';
import { parseScenario, scenarioHelp, type Scenario } from '../simulate-scenarios';
import { DEFAULT_PROFILE, TrafficModel, type TrafficCounts, type TrafficProfile } from '../simulate-traffic';
import { buildWorld } from '../simulate-world';

/** SimulateOptions are the flags of `callwatch simulate`. */
export interface SimulateOptions {
  /** calls started per second, before the scenarios add theirs */
  rate: number;
  /** how long to run (0 = until stopped) */
  durationMs: number;
  profile: TrafficProfile;
  seed: number;
  scenarios?: Scenario[];
  /** write a JSON lines file instead of publishing */
  out?: string;
  /** with `out` and a duration: make the events as fast as possible, on a clock of their own from `startMs` */
  fast?: boolean;
  /** the run's start (default now); only `fast` runs may start elsewhere */
  startMs?: number;
  onProgress?: (progress: SimulateProgress) => void;
  signal?: AbortSignal;
}

const TICK_MS = 100;
// A fast run's step: Poisson arrivals and burst times are exact whatever the step, so a coarse one only saves time.
const FAST_STEP_MS = 1_000;

/**
 * simulate runs the traffic model on the wall clock, publishing each 100 ms tick's events (account snapshots, call
 * starts, CDRs, payments, each to its topic keyed by entity), or writes them to a JSON lines file; a fast run writes
 * the file from a clock of its own. It returns how many events of each type it made.
 */
export async function simulate(opts: SimulateOptions, env: NodeJS.ProcessEnv = process.env): Promise<TrafficCounts> {
  if (opts.fast && (!opts.out || opts.durationMs === 0)) throw new CallwatchError('CW_ERR_CLI_USAGE', '--fast: expected --out <file.jsonl> and a --duration above 0 (a fast run writes a file of a given length)');
  const startMs = opts.fast ? (opts.startMs ?? Date.now()) : Date.now();
  const scenarios = opts.scenarios ?? [];
  const model = new TrafficModel({ profile: opts.profile, rate: opts.rate, seed: opts.seed, startMs, scenarios });
  const file = opts.out ? createWriteStream(opts.out) : undefined;
  const connection = file ? undefined : await connect(cliConfig(env), 'callwatch-simulate', ['cdr', 'callStart', 'payment', 'account']);
  const send = (events: InputEvent[]) => (file ? write(file, events) : publish(connection as Connection, events));
  const progress = (nowMs: number) => opts.onProgress?.({ elapsedMs: nowMs - startMs, counts: model.counts, scenarios });
  try {
    await send(model.start());
    if (opts.fast) {
      for (let t = startMs + FAST_STEP_MS; t <= startMs + opts.durationMs && !opts.signal?.aborted; t += FAST_STEP_MS) {
        await send(model.step(t));
        progress(t);
      }
    } else {
      while (!opts.signal?.aborted && (opts.durationMs === 0 || Date.now() - startMs < opts.durationMs)) {
        const tickStart = Date.now();
        await send(model.step(tickStart));
        progress(tickStart);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, TICK_MS - (Date.now() - tickStart))));
      }
    }
  } finally {
    await connection?.close();
    await new Promise<void>((resolve, reject) => (file ? file.end(() => resolve()).once('error', reject) : resolve()));
  }
  return model.counts;
}

async function write(file: WriteStream, events: InputEvent[]): Promise<void> {
  if (events.length === 0) return;
  // Wait for the file when it lags, so a fast run does not hold the whole file in memory.
  if (!file.write(events.map((e) => JSON.stringify(e)).join('\n') + '\n')) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
}

async function publish(connection: Connection, events: InputEvent[]): Promise<void> {
  const { publisher, topics } = connection;
  const accounts: Array<OutgoingMessage<Account>> = [];
  const starts: Array<OutgoingMessage<CallStart>> = [];
  const cdrs: Array<OutgoingMessage<Cdr>> = [];
  const payments: Array<OutgoingMessage<Payment>> = [];
  // Each to its own topic, keyed as switches and billing key them.
  for (const { type, ...value } of events) {
    if (type === 'account') accounts.push({ key: (value as Account).entity, value: value as Account });
    else if (type === 'call_start') starts.push({ key: `customer:${(value as CallStart).customer_id}`, value: value as CallStart });
    else if (type === 'cdr') cdrs.push({ key: `customer:${(value as Cdr).customer_id}`, value: value as Cdr });
    else payments.push({ key: `customer:${(value as Payment).customer_id}`, value: value as Payment });
  }
  await Promise.all([
    publisher.publish(topics.account, 'account', accounts),
    publisher.publish(topics.callStart, 'call_start', starts),
    publisher.publish(topics.cdr, 'cdr', cdrs),
    publisher.publish(topics.payment, 'payment', payments),
  ]);
}

/** registerSimulate adds `callwatch simulate` to the CLI. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('simulate switches and billing: account snapshots, call starts, CDRs and payments, with scheduled scenarios, published to their topics (or a JSON lines file)')
    .option('--rate <calls-per-second>', `calls started per second (default 50, or ${DEMO_RATE} with --demo)`)
    .option('--duration <duration>', 'how long to run, e.g. 30s or 5m; 0 runs until Ctrl-C', '0')
    .option('--scenario <name:entity@+start[/duration]>', 'schedule a scenario, e.g. asr-drop:customer:acme@+60s/5m (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--demo', "run the demo's schedule of scenarios, which makes every rule of rules/examples fire and reset, and print its timeline")
    .option('--customers <n>', 'number of customers', String(DEFAULT_PROFILE.customers))
    .option('--asr <percent>', 'mean ASR of healthy customers', String(DEFAULT_PROFILE.asr))
    .option('--bad-customers <ids>', 'comma-separated customers whose ASR is --bad-asr all the time', '')
    .option('--bad-asr <percent>', 'ASR of the bad customers', String(DEFAULT_PROFILE.badAsr))
    .option('--balance <amount>', "every customer's opening balance (default: each its own)")
    .option('--seed <n>', 'random seed: the same seed makes the same traffic', '1')
    .option('--out <file.jsonl>', 'write the events to a JSON lines file instead of publishing')
    .option('--fast', 'with --out and --duration: write the events as fast as they are made, on a clock of their own')
    .option('--start <time>', 'with --fast: the time of the start (ISO 8601 or epoch ms; default now)')
    .addHelpText('after', `\nScenarios (<entity> is customer:<id> or carrier:<id>; the default duration is 5m):\n${scenarioHelp()}\n\nExample:\n  $ callwatch simulate --scenario asr-drop:customer:acme@+60s/5m --scenario carrier-outage:carrier:bluewave@+2m\n  $ callwatch simulate --demo --duration 20m --out demo.jsonl --fast\n`)
    .action(async (flags: Record<string, string | string[] | boolean | undefined>) => {
      const text = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
      const number = (name: string, flag: string, min: number, max: number): number => {
        const value = Number(text(name));
        if (text(name) === undefined || !Number.isFinite(value) || value < min || value > max) throw new CallwatchError('CW_ERR_CLI_USAGE', `--${flag}: expected a number from ${min} to ${max}, got "${text(name) ?? ''}"`);
        return value;
      };
      const profile: TrafficProfile = {
        ...DEFAULT_PROFILE,
        customers: number('customers', 'customers', 1, 100_000),
        asr: number('asr', 'asr', 0, 100),
        badCustomers: (text('badCustomers') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        badAsr: number('badAsr', 'bad-asr', 0, 100),
        ...(text('balance') !== undefined ? { balance: number('balance', 'balance', -1e12, 1e12) } : {}),
      };
      const world = buildWorld(profile);
      const scenarios = [...(flags.demo ? demoScenarios(world) : []), ...((flags.scenario as string[]) ?? []).map((s) => parseScenario(s, world))];
      let durationMs: number;
      try {
        durationMs = parseDuration(text('duration') ?? '0');
      } catch (err) {
        throw new CallwatchError('CW_ERR_CLI_USAGE', `--duration: ${(err as Error).message}`);
      }
      let startMs: number | undefined;
      if (text('start') !== undefined) {
        const start = text('start') as string;
        startMs = /^\d+$/.test(start) ? Number(start) : Date.parse(start);
        if (!flags.fast || !Number.isFinite(startMs)) throw new CallwatchError('CW_ERR_CLI_USAGE', `--start: expected an ISO 8601 time or epoch milliseconds, with --fast, got "${start}"${flags.fast ? '' : ' without --fast'}`);
      }
      if (flags.demo) process.stdout.write(`${demoTimeline()}\n`);
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      process.once('SIGTERM', () => controller.abort());
      const reporter = progressReporter(process.stderr);
      let last: SimulateProgress | undefined;
      const counts = await simulate({
        rate: text('rate') !== undefined ? number('rate', 'rate', 0.1, 1_000_000) : flags.demo ? DEMO_RATE : 50,
        durationMs,
        seed: number('seed', 'seed', 0, 2 ** 32),
        profile,
        scenarios,
        signal: controller.signal,
        ...(text('out') ? { out: text('out') } : {}),
        ...(flags.fast ? { fast: true } : {}),
        ...(startMs !== undefined ? { startMs } : {}),
        onProgress: (p) => reporter.update((last = p)),
      });
      reporter.done(last ?? { elapsedMs: 0, counts, scenarios });
    });
}
