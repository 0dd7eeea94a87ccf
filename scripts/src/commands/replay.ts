import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { CallwatchError, parseDuration } from '@callwatch/core';
import { validateEvent, type InputEvent } from '@callwatch/windows';
import { fromJsonEvent } from '@callwatch/kafka';
import { ScriptSandbox } from '@callwatch/rules';
import type { Rule } from '@callwatch/schemas';
import { Replay, type ReplayOptions, type ReplayOutput } from '../replay';
import { validateFiles } from './rules';

const TYPES: ReadonlySet<string> = new Set(['cdr', 'call_start', 'payment', 'account']);

/** parseEventLine turns one line of a JSON lines file into an input event, or says precisely what is wrong with it. */
export function parseEventLine(text: string): { event: InputEvent } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON: ${(err as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { problem: 'expected a JSON object with a "type" field' };
  const { type, ...fields } = json as Record<string, unknown>;
  if (typeof type !== 'string' || !TYPES.has(type)) return { problem: `type: expected one of cdr, call_start, payment, account, got ${JSON.stringify(type)}` };
  const checked = fromJsonEvent(type as InputEvent['type'], fields);
  if ('invalid' in checked) return { problem: `${type}: field(s) ${checked.invalid.join(', ')} missing or of the wrong type (see schemas/avro/${type}.avsc)` };
  const event = { type, ...checked.value } as InputEvent;
  const problem = validateEvent(event);
  return problem ? { problem: `${type}: ${problem}` } : { event };
}

/** ReplayFileResult is what a replay of a file produced, with the lines it skipped and the script rules that failed. */
export interface ReplayFileResult {
  outputs: ReplayOutput[];
  events: number;
  skipped: Array<{ line: number; problem: string }>;
  scriptErrors: Array<{ rule: string; code: string; message: string; count: number }>;
}

/**
 * replayFile replays a JSON lines file of events against rules; invalid lines are skipped and reported with their
 * line number. Script rules run in a sandbox with the live evaluator's default limits.
 */
export async function replayFile(rules: Rule[], eventsPath: string, options: ReplayOptions): Promise<ReplayFileResult> {
  const scripts = rules.some((r) => r.area === 'script') ? await ScriptSandbox.create() : undefined;
  try {
    return await replayWith(new Replay(rules, options, scripts), eventsPath);
  } finally {
    scripts?.dispose();
  }
}

async function replayWith(replay: Replay, eventsPath: string): Promise<ReplayFileResult> {
  const skipped: ReplayFileResult['skipped'] = [];
  let events = 0;
  let line = 0;
  const input = createReadStream(eventsPath, 'utf8');
  const opened = new Promise<void>((resolve, reject) => input.once('open', () => resolve()).once('error', reject));
  try {
    await opened;
  } catch (err) {
    throw new CallwatchError('CW_ERR_CLI_USAGE', `--events ${eventsPath}: ${(err as Error).message}`, { cause: err });
  }
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    const parsed = parseEventLine(text);
    if ('problem' in parsed) skipped.push({ line, problem: parsed.problem });
    else {
      replay.push(parsed.event);
      events++;
    }
  }
  const scriptErrors = [...replay.scriptErrors].map(([rule, { error, count }]) => ({ rule, code: error.code, message: error.message, count }));
  return { outputs: replay.finish(), events, skipped, scriptErrors };
}

/** periodsOf lists the sample periods the rules use (the windows a replay needs), or 5m when none does. */
export function periodsOf(rules: Rule[]): number[] {
  const periods = new Set(rules.flatMap((r) => (r.sample_period_ms === null ? [] : [r.sample_period_ms])));
  return periods.size > 0 ? [...periods].sort((a, b) => a - b) : [5 * 60_000];
}

/** registerReplay adds `callwatch replay` to the CLI. */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('run rules over a JSON lines file of events offline (no Kafka or Redis) with a clock that follows event time, and print the alert transitions, reports and penalty actions')
    .requiredOption('--rules <paths...>', 'rule files or directories')
    .requiredOption('--events <file.jsonl>', 'events, one JSON object per line with a "type" (cdr, call_start, payment, account) and the Avro field names')
    .option('--out <file>', 'write the output lines here instead of stdout')
    .option('--periods <list>', 'sample periods to keep windows for (default: the periods the rules use)')
    .option('--lateness <duration>', "how far behind an entity's newest event an event may be and still count", '5m')
    .option('--max-call <duration>', 'a started call whose CDR has not come after this long is expired', '4h')
    .option('--account-lateness <duration>', "how far behind an entity's newest event an account snapshot may be and still get the exact balance", '1h')
    .action(async (flags: { rules: string[]; events: string; out?: string; periods?: string; lateness: string; maxCall: string; accountLateness: string }) => {
      const duration = (name: string, value: string): number => {
        try {
          return parseDuration(value);
        } catch (err) {
          throw new CallwatchError('CW_ERR_CLI_USAGE', `--${name}: ${(err as Error).message}`);
        }
      };
      // replay renders nothing: a rule may name any template.
      const rules = await validateFiles(flags.rules, 'replay', Date.now(), { anyTemplate: true });
      const periodsMs = flags.periods ? flags.periods.split(',').map((p) => duration('periods', p.trim())) : periodsOf(rules);
      const started = Date.now();
      const result = await replayFile(rules, flags.events, { periodsMs, latenessMs: duration('lateness', flags.lateness), maxCallMs: duration('max-call', flags.maxCall), accountLatenessMs: duration('account-lateness', flags.accountLateness) });
      for (const { line, problem } of result.skipped.slice(0, 20)) process.stderr.write(`${flags.events}:${line}: ${problem} (skipped)\n`);
      if (result.skipped.length > 20) process.stderr.write(`… and ${result.skipped.length - 20} more skipped lines\n`);
      for (const { code, message, count } of result.scriptErrors) process.stderr.write(`${code} ${message} (${count} evaluations had no data)\n`);
      const text = result.outputs.map((o) => JSON.stringify(o)).join('\n') + (result.outputs.length > 0 ? '\n' : '');
      if (flags.out) {
        const out = createWriteStream(flags.out);
        await new Promise<void>((resolve, reject) => out.end(text, () => resolve()).once('error', reject));
      } else process.stdout.write(text);
      process.stderr.write(`replay: ${result.events} events, ${result.skipped.length} skipped, ${result.outputs.length} lines, ${rules.length} rules, in ${Date.now() - started} ms\n`);
    });
}
