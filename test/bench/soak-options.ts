import { parseArgs } from 'node:util';

// Half the aggregator's ceiling: `npm run bench:aggregator` measured 32,300–34,000 CDRs/s including start-up on dev
// on 2026-11-23 (docs/benchmarks.md, "npm run bench:aggregator", first row); half of its low end, rounded.
export const DEFAULT_RATE = 16_000;

/** SoakOptions are the flags of `npm run bench:soak`, checked. */
export interface SoakOptions {
  minutes: number;
  warmupMinutes: number;
  rate: number;
  customers: number;
  rules: number;
  keep: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench:soak -- [--minutes <n>] [--rate <CDRs/s>] [--customers <n>] [--rules <n>] [--warmup <n>] [--keep]

Runs the five services (aggregator, evaluator, notifier, enforcer, recorder) as processes on the shared local
infrastructure, with topics and Redis keys of their own (removed afterwards), and publishes CDRs at a fixed rate for
the whole run. Prints one line every 30 s and a summary: CDRs published and consumed per second, consumer lag per
service, CDR→alert latency, RSS of every service over time, CPU per 1,000 CDRs, Redis memory per entity.

  --minutes <n>    how long traffic runs, in minutes (default 10)
  --warmup <n>     the first minutes, left out of the growth, CPU and latency figures (default 2, or half of
                   --minutes when that is less; shorter than --minutes)
  --rate <n>       CDRs per second (default ${DEFAULT_RATE.toLocaleString('en-US')}: about half the aggregator's ceiling in docs/benchmarks.md)
  --customers <n>  customers (default 10,000; 2% of them, at least one, are kept for bad spells, the rest Zipf-skewed)
  --rules <n>      generated rules (default 1,000; the first is the rule the latency is measured on)
  --keep           keep the run's folder (service logs, ClickHouse folder, outbox) instead of deleting it
  -h, --help       print this and exit`;

function positive(flag: string, raw: string | undefined, fallback: number, whole: boolean, min = whole ? 1 : Number.MIN_VALUE): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/_/g, ''));
  const ok = raw.trim() !== '' && Number.isFinite(value) && (!whole || Number.isInteger(value)) && value >= min;
  if (!ok) throw new Error(`--${flag}: expected ${whole ? 'a whole number' : 'a number'} ${min === Number.MIN_VALUE ? 'above 0' : `of at least ${min}`}, got "${raw}"`);
  return value;
}

/** parseSoakOptions reads the flags; an unknown flag, a missing value or one out of range throws an error naming it. */
export function parseSoakOptions(argv: string[]): SoakOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        minutes: { type: 'string' }, warmup: { type: 'string' }, rate: { type: 'string' }, customers: { type: 'string' },
        rules: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // Node's message names the flag and what is wrong with it; its advice on positional arguments does not apply here.
    const message = (err as Error).message.replace(/\s*To specify a positional argument.*$/s, '').replace(/\s*\n\s*/g, ' ');
    throw new Error(`${message} (npm run bench:soak -- --help lists the flags)`);
  }
  const str = (name: string) => values[name] as string | undefined;
  const minutes = positive('minutes', str('minutes'), 10, false);
  const warmupMinutes = positive('warmup', str('warmup'), Math.min(2, minutes / 2), false, 0);
  if (warmupMinutes >= minutes) throw new Error(`--warmup (${warmupMinutes}) must be shorter than --minutes (${minutes}): growth is measured from the end of warm-up to the end`);
  return {
    minutes,
    warmupMinutes,
    rate: positive('rate', str('rate'), DEFAULT_RATE, false),
    // Two at least: one for the bad spells, one for the Zipf-skewed traffic.
    customers: positive('customers', str('customers'), 10_000, true, 2),
    rules: positive('rules', str('rules'), 1_000, true),
    keep: values.keep === true,
    help: values.help === true,
  };
}
