import type { Command } from 'commander';
import { CallwatchError } from '@callwatch/core';
import type { Rule } from '@callwatch/schemas';
import { backtest, compareBacktest, liveRules, type BacktestResult } from '../backtest';
import { compareResults, formatChange, formatSummary, formatTransition, summarize, type RuleChange } from '../backtest-report';
import { timeRange, withHistory, type TimeRange } from '../history';
import { validateFiles } from './rules';

/** BacktestFlags are the flags of `callwatch backtest`. */
interface BacktestFlags {
  rules: string[];
  since?: string;
  from?: string;
  to?: string;
  entity?: string[];
  format: string;
  compare?: boolean;
}

/** BacktestReport is what `callwatch backtest` prints, as one JSON document with `--format json`. */
interface BacktestReport {
  range: TimeRange;
  result: BacktestResult;
  rules: Map<string, Rule>;
  changes: RuleChange[] | null;
  live: Set<string>;
}

async function runBacktest(flags: BacktestFlags, now: number): Promise<BacktestReport> {
  if (flags.format !== 'table' && flags.format !== 'json') throw new CallwatchError('CW_ERR_CLI_USAGE', `--format: expected table or json, got "${flags.format}"`);
  const range = timeRange(flags, now);
  // A backtest renders nothing: a rule may name any template.
  const rules = await validateFiles(flags.rules, 'backtest', now, { anyTemplate: true });
  const ruleIds = rules.map((r) => r.id);
  const byId = new Map(rules.map((r) => [r.id, r]));
  const options = { entities: flags.entity ?? [] };
  return withHistory(process.env, async (history) => {
    if (!flags.compare) return { range, result: await backtest(history, rules, range, options), rules: byId, changes: null, live: new Set<string>() };
    const live = await liveRules(history);
    const comparison = await compareBacktest(history, rules, live, range, options);
    // The changed run also holds the live rules the files leave alone: show the files' rules, compare them all.
    const mine = new Set(ruleIds);
    const result = { ...comparison.changed, transitions: comparison.changed.transitions.filter((t) => mine.has(t.rule)) };
    return { range, result, rules: byId, changes: compareResults(comparison, range, ruleIds), live: new Set(live.map((r) => r.id)) };
  });
}

function print(report: BacktestReport, format: string): void {
  const { range, result, rules, changes, live } = report;
  const summary = summarize([...rules.keys()], result.transitions);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ range, readFromMs: result.readFromMs, events: result.events, skipped: result.skipped, transitions: result.transitions, summary, changes }, null, 2)}\n`);
    return;
  }
  for (const t of result.transitions) process.stdout.write(`${formatTransition(t, rules.get(t.rule))}\n`);
  if (result.transitions.length > 0) process.stdout.write('\n');
  for (const s of summary) process.stdout.write(`${formatSummary(s)}\n`);
  if (changes) {
    process.stdout.write('\ncompared with the live rules:\n');
    for (const c of changes) process.stdout.write(`${formatChange(c, live)}\n`);
  }
}

/** registerBacktest adds `callwatch backtest` to the CLI. */
export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description('run rules over the input events recorded in the history (ClickHouse) and print what they would have emitted, with a summary per rule')
    .requiredOption('--rules <paths...>', 'rule files or folders')
    .option('--since <time>', 'from this time to now: a duration ago (7d, 36h) or a date (default 7d)')
    .option('--from <time>', 'start of the range: a date (2026-11-01, 2026-11-01T14:00), epoch ms or a duration ago')
    .option('--to <time>', 'end of the range (default: now)')
    .option('--entity <entities...>', 'only these entities: customer:<id> or carrier:<id>')
    .option('--format <table|json>', 'output format', 'table')
    .option('--compare', 'also run the live rules (the newest applied version of each, from the history) and print per rule the firings the files add and remove')
    .addHelpText(
      'after',
      `
Reads the recorded events (and a warm-up before the range: the longest sample period and for), replays them as
\`callwatch replay\` does, and prints the transitions inside the range, then one line per rule. History comes from
CLICKHOUSE_URL, else the recorder (RECORDER_URL), else the embedded data in CLICKHOUSE_PATH.

Example:
  $ npx callwatch backtest --rules rules/low-asr.yaml --since 7d --entity customer:acme --compare
  2026-11-20T09:14:05.000Z  FIRED    customer:acme  low-asr: value 18.2
  2026-11-20T09:31:40.000Z  RESET    customer:acme  low-asr: value 36.5

  low-asr: fired 1 time for 1 entity (customer:acme)

  compared with the live rules:
  low-asr: would have fired 1 more time (customer:acme)`,
    )
    .action(async (flags: BacktestFlags) => {
      const now = Date.now();
      const report = await runBacktest(flags, now);
      print(report, flags.format);
      process.stderr.write(`backtest: ${report.result.events} events (from ${new Date(report.result.readFromMs).toISOString()}), ${report.result.skipped} skipped, ${report.result.transitions.length} lines, ${report.rules.size} rules, in ${Date.now() - now} ms\n`);
    });
}
