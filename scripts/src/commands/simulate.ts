import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { entityKey, parseDuration } from '@callwatch/core';
import { connect } from '@callwatch/kafka';
import type { Account, Cdr } from '@callwatch/schemas';
import { cliConfig } from '../env';
import { DEFAULT_PROFILE, customerIds, seededRandom, simulateCdr, type TrafficProfile } from '../simulate-traffic';

/** SimulateOptions are the flags of `callwatch simulate`. */
export interface SimulateOptions {
  rate: number;
  durationMs: number;
  profile: TrafficProfile;
  seed: number;
  out?: string;
  /** When set, every customer's account snapshot is published first with this balance, so balances move with the charges. */
  balance?: number;
  onProgress?: (sent: number) => void;
  signal?: AbortSignal;
}

const TICK_MS = 100;

/**
 * simulate publishes CDRs at `rate` per second for `durationMs` (0 = until stopped), in one request per
 * 100 ms tick, with event times of now; `out` writes a JSON lines file instead of publishing.
 */
export async function simulate(opts: SimulateOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const random = seededRandom(opts.seed);
  const customers = customerIds(opts.profile);
  const file = opts.out ? createWriteStream(opts.out) : undefined;
  const connection = file ? undefined : await connect(cliConfig(env), 'callwatch-simulate', ['cdr', 'account']);
  const started = Date.now();
  if (opts.balance !== undefined) {
    const accounts = customers.map((id): Account => ({
      entity: entityKey('customer', id), name: id, class: null, status: 'active', balance: opts.balance as number, debit_limit: null, currency: 'USD',
      emails: [], phones: [], timezone: null, locale: null, at_ms: started,
    }));
    if (file) for (const account of accounts) file.write(`${JSON.stringify({ type: 'account', ...account })}\n`);
    else await connection?.publisher.publish(connection.topics.account, 'account', accounts.map((a) => ({ key: a.entity, value: a })));
  }
  let sent = 0;
  let carry = 0;
  try {
    while (!opts.signal?.aborted && (opts.durationMs === 0 || Date.now() - started < opts.durationMs)) {
      const tickStart = Date.now();
      carry += (opts.rate * TICK_MS) / 1000;
      const count = Math.floor(carry);
      carry -= count;
      const cdrs: Cdr[] = [];
      for (let i = 0; i < count; i++) cdrs.push(simulateCdr(opts.profile, random, tickStart, sent + i, customers));
      if (file) for (const cdr of cdrs) file.write(`${JSON.stringify({ type: 'cdr', ...cdr })}\n`);
      else await connection?.publisher.publish(connection.topics.cdr, 'cdr', cdrs.map((cdr) => ({ key: entityKey('customer', cdr.customer_id), value: cdr })));
      sent += count;
      opts.onProgress?.(sent);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, TICK_MS - (Date.now() - tickStart))));
    }
  } finally {
    await connection?.close();
    await new Promise<void>((resolve) => (file ? file.end(resolve) : resolve()));
  }
  return sent;
}

/** registerSimulate adds `callwatch simulate` to the CLI. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('publish realistic CDRs from simulated switches to the CDR topic (or a JSON lines file)')
    .option('--rate <cdrs-per-second>', 'CDRs per second', '50')
    .option('--duration <duration>', 'how long to run, e.g. 30s or 5m; 0 runs until Ctrl-C', '0')
    .option('--customers <n>', 'number of customers', String(DEFAULT_PROFILE.customers))
    .option('--carriers <n>', 'number of carriers', String(DEFAULT_PROFILE.carriers))
    .option('--asr <percent>', 'ASR of healthy customers', String(DEFAULT_PROFILE.asr))
    .option('--bad-customers <ids>', 'comma-separated customers with poor ASR', DEFAULT_PROFILE.badCustomers.join(','))
    .option('--bad-asr <percent>', 'ASR of the bad customers', String(DEFAULT_PROFILE.badAsr))
    .option('--seed <n>', 'random seed, for reproducible traffic', '1')
    .option('--out <file.jsonl>', 'write events to a JSON lines file instead of publishing')
    .option('--balance <amount>', "first publish each customer's account snapshot with this balance (balances then fall with the charges)")
    .action(async (flags: Record<string, string>) => {
      const number = (name: string, min: number, max: number): number => {
        const value = Number(flags[name]);
        if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name}: expected a number from ${min} to ${max}, got "${flags[name]}"`);
        return value;
      };
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      process.once('SIGTERM', () => controller.abort());
      let last = Date.now();
      const sent = await simulate({
        rate: number('rate', 0.1, 1_000_000),
        durationMs: parseDuration(flags.duration ?? '0'),
        seed: number('seed', 0, 2 ** 32),
        signal: controller.signal,
        ...(flags.out ? { out: flags.out } : {}),
        ...(flags.balance !== undefined ? { balance: number('balance', -1e12, 1e12) } : {}),
        profile: {
          ...DEFAULT_PROFILE,
          customers: number('customers', 1, 1_000_000),
          carriers: number('carriers', 1, 100_000),
          asr: number('asr', 0, 100),
          badCustomers: (flags.badCustomers ?? '').split(',').map((s) => s.trim()).filter(Boolean),
          badAsr: number('badAsr', 0, 100),
        },
        onProgress: (n) => {
          if (Date.now() - last >= 5_000) {
            last = Date.now();
            process.stderr.write(`simulate: ${n} CDRs sent\n`);
          }
        },
      });
      process.stderr.write(`simulate: done, ${sent} CDRs sent\n`);
    });
}
