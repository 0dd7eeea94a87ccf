import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CallwatchError, formatDuration } from '@callwatch/core';
import { connect } from '@callwatch/kafka';
import { buildSilence as silenceOf, expiredSilence, parseSilenceTime as parseSilenceTimeOf, silenceState } from '@callwatch/notify';
import type { Silence } from '@callwatch/schemas';
import { cliConfig } from '../env';
import { withTable } from './rule-table';

/** SilenceFlags are the flags of `silence add` as the command line gives them. */
export interface SilenceFlags {
  rule?: string;
  entity?: string;
  until?: string;
  from?: string;
  comment?: string;
}

/** SilenceOptions say who acts, where to connect, where to print, and the clock. */
export interface SilenceOptions {
  by?: string;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
  now?: number;
}

const usage = (message: string) => new CallwatchError('CW_ERR_CLI_USAGE', message);
const stdout = (line: string) => void process.stdout.write(`${line}\n`);

// The command line's mistakes are usage errors (exit code 2), whatever the library calls them.
function asUsage<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof CallwatchError && err.code === 'CW_ERR_SILENCE_INVALID') throw usage(err.message);
    throw err;
  }
}

/** parseSilenceTime reads a time flag: an ISO 8601 time, or a duration (2h, 30m) counted from `now`. */
export function parseSilenceTime(flag: string, input: string, now: number): number {
  return asUsage(() => parseSilenceTimeOf(flag, input, now));
}

/**
 * buildSilence validates the flags of `silence add` and makes the silence: at least one of --rule and --entity,
 * --until after --from (default now) and after now; each problem is a CW_ERR_CLI_USAGE naming its flag.
 */
export function buildSilence(flags: SilenceFlags, options: { id: string; by: string; now: number }): Silence {
  return asUsage(() => silenceOf(flags, options));
}

/** addSilence validates the flags, publishes the new silence to the silence topic and prints its id. */
export async function addSilence(flags: SilenceFlags, options: SilenceOptions = {}): Promise<Silence> {
  const { by = userInfo().username, env = process.env, print = stdout, now = Date.now() } = options;
  const silence = buildSilence(flags, { id: randomUUID(), by, now });
  const connection = await connect(cliConfig(env), 'callwatch-cli', ['silence']);
  try {
    await connection.publisher.publish(connection.topics.silence, 'silence', [{ key: silence.silence_id, value: silence }]);
  } finally {
    await connection.close();
  }
  print(silence.silence_id);
  return silence;
}

/** listSilences returns the active and pending silences (with `all`, the expired ones too), soonest start first. */
export async function listSilences(options: { all?: boolean; env?: NodeJS.ProcessEnv; now?: number } = {}): Promise<Silence[]> {
  const { all = false, env = process.env, now = Date.now() } = options;
  return withTable(env, 'silence', async (table) =>
    [...table.values()]
      .filter((s) => all || silenceState(s, now) !== 'expired')
      .sort((a, b) => a.starts_at_ms - b.starts_at_ms || a.silence_id.localeCompare(b.silence_id)),
  );
}

/** formatSilences renders silences one per line: id, state, time range, what they match, who. */
export function formatSilences(silences: Silence[], now: number): string {
  if (silences.length === 0) return 'no silences\n';
  return `${silences
    .map((s) => {
      const state = silenceState(s, now);
      const left = state === 'active' ? ` (${formatDuration(s.ends_at_ms - now)} left)` : '';
      const who = `by ${s.created_by}${s.expired_by === null ? '' : `, expired by ${s.expired_by}`}`;
      const range = `${new Date(s.starts_at_ms).toISOString()} → ${new Date(s.ends_at_ms).toISOString()}${left}`;
      return `${s.silence_id}  ${state.padEnd(7)}  ${range}  rule ${s.rule ?? '*'}  entity ${s.entity ?? '*'}  ${who}${s.comment ? `: ${s.comment}` : ''}`;
    })
    .join('\n')}\n`;
}

/**
 * expireSilences ends the named silences now: each record stays on the topic with ends_at_ms = now and who
 * expired it. Nothing is published when an id is unknown; a silence already over is left as it is.
 */
export async function expireSilences(ids: string[], options: SilenceOptions = {}): Promise<string[]> {
  const { by = userInfo().username, env = process.env, print = stdout, now = Date.now() } = options;
  return withTable(env, 'silence', async (table, connection) => {
    const unknown = ids.filter((id) => table.get(id) === undefined);
    if (unknown.length > 0) throw usage(`no such silence on ${connection.topics.silence}: ${unknown.join(', ')}; nothing changed (see callwatch silence list --all)`);
    const expired: Silence[] = [];
    for (const id of new Set(ids)) {
      const silence = table.get(id) as Silence;
      const ended = expiredSilence(silence, by, now);
      if (!ended) {
        print(`= ${id}  (already expired at ${new Date(silence.ends_at_ms).toISOString()})`);
        continue;
      }
      expired.push(ended);
      print(`- ${id}  (expired)`);
    }
    await connection.publisher.publish(connection.topics.silence, 'silence', expired.map((s) => ({ key: s.silence_id, value: s })));
    return expired.map((s) => s.silence_id);
  });
}

/** registerSilence adds `callwatch silence add|list|expire` to the CLI. */
export function registerSilence(program: Command): void {
  const silence = program
    .command('silence')
    .description('mute notifications for matching rules and entities for a while (alert state still changes and is recorded)');
  silence
    .command('add')
    .description('add a silence and print its id; give --rule, --entity or both, and --until')
    .option('--rule <id|glob>', 'rule id, or a glob of rule ids such as low-asr*')
    .option('--entity <entity|glob>', 'customer:<id>, carrier:<id>, or a glob such as customer:*')
    .option('--until <time>', 'required: when it ends, an ISO time (2024-05-01T14:30:00Z) or a duration from now (2h)')
    .option('--from <time>', 'when it starts, an ISO time or a duration from now (default: now)')
    .option('--comment <text>', 'why, shown by silence list')
    .option('--as <name>', 'who is adding it', userInfo().username)
    .action(async (flags: SilenceFlags & { as: string }) => {
      await addSilence(flags, { by: flags.as });
    });
  silence
    .command('list')
    .description('the active and pending silences, soonest start first')
    .option('--all', 'include expired silences')
    .option('--json', 'print JSON')
    .action(async (flags: { all?: boolean; json?: boolean }) => {
      const now = Date.now();
      const list = await listSilences({ all: flags.all ?? false, now });
      process.stdout.write(flags.json ? `${JSON.stringify(list, null, 2)}\n` : formatSilences(list, now));
    });
  silence
    .command('expire')
    .description('end silences now; each stays on the topic, recording who expired it (an unknown id changes nothing)')
    .argument('<ids...>', 'silence ids')
    .option('--as <name>', 'who is expiring them', userInfo().username)
    .action(async (ids: string[], flags: { as: string }) => {
      await expireSilences(ids, { by: flags.as });
    });
}
