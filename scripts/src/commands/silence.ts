import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CallwatchError, formatDuration, parseDuration } from '@callwatch/core';
import { connect } from '@callwatch/kafka';
import { silenceState } from '@callwatch/notify';
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

// Rule ids are slugs (libs/rules); a rule pattern may add the glob wildcards.
const RULE_PATTERN = /^[a-z0-9_*?-]+$/;
const ENTITY_KINDS = ['customer:', 'carrier:'];

/** parseSilenceTime reads a time flag: an ISO 8601 time, or a duration (2h, 30m) counted from `now`. */
export function parseSilenceTime(flag: string, input: string, now: number): number {
  const text = input.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  } else {
    try {
      return now + parseDuration(text);
    } catch {
      // Neither form: the message below names both.
    }
  }
  throw usage(`${flag}: expected an ISO time such as 2024-05-01T14:30:00Z or a duration from now such as 2h, got "${input}"`);
}

function checkRule(rule: string): string {
  if (!RULE_PATTERN.test(rule)) throw usage(`--rule: expected a rule id or a glob of one (a-z, 0-9, -, _ and the wildcards * and ?) such as low-asr*, got "${rule}"`);
  return rule;
}

function checkEntity(entity: string): string {
  const wildcard = entity.search(/[*?]/);
  // Without wildcards it must be an entity; with them, its fixed start must still allow customer:… or carrier:….
  const fixed = wildcard < 0 ? entity : entity.slice(0, wildcard);
  const kind = ENTITY_KINDS.find((k) => fixed.startsWith(k));
  const possible = wildcard < 0 ? kind !== undefined && fixed.length > kind.length : kind !== undefined || ENTITY_KINDS.some((k) => k.startsWith(fixed));
  if (!possible || /\s/.test(entity)) throw usage(`--entity: expected customer:<id>, carrier:<id> or a glob such as customer:*, got "${entity}"`);
  return entity;
}

/**
 * buildSilence validates the flags of `silence add` and makes the silence: at least one of --rule and --entity,
 * --until after --from (default now) and after now; each problem is a CW_ERR_CLI_USAGE naming its flag.
 */
export function buildSilence(flags: SilenceFlags, { id, by, now }: { id: string; by: string; now: number }): Silence {
  const rule = flags.rule === undefined ? null : checkRule(flags.rule.trim());
  const entity = flags.entity === undefined ? null : checkEntity(flags.entity.trim());
  if (rule === null && entity === null) throw usage('give --rule, --entity or both: a silence mutes the notifications of matching rules and entities, and one of everything is not allowed');
  if (flags.until === undefined) throw usage('--until is required: an ISO time or a duration from now such as 2h');
  const startsAt = flags.from === undefined ? now : parseSilenceTime('--from', flags.from, now);
  const endsAt = parseSilenceTime('--until', flags.until, now);
  if (endsAt <= startsAt) throw usage(`--until: ${new Date(endsAt).toISOString()} is not after --from ${new Date(startsAt).toISOString()}`);
  if (endsAt <= now) throw usage(`--until: ${new Date(endsAt).toISOString()} has already passed`);
  return {
    silence_id: id, rule, entity, starts_at_ms: startsAt, ends_at_ms: endsAt, comment: flags.comment ?? '', created_by: by, created_at_ms: now, expired_by: null,
  };
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
      if (silenceState(silence, now) === 'expired') {
        print(`= ${id}  (already expired at ${new Date(silence.ends_at_ms).toISOString()})`);
        continue;
      }
      expired.push({ ...silence, ends_at_ms: now, expired_by: by });
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
