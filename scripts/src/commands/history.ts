import type { Command } from 'commander';
import { CallwatchError } from '@callwatch/core';
import { alertTimeline, configTrail, DEFAULT_TIMELINE_LIMIT, type ConfigDocument, type ConfigKind, type Timeline, type TrailEntry } from '@callwatch/clickhouse';
import { templateChanges } from '@callwatch/notify';
import { classChanges, ruleChanges } from '@callwatch/rules';
import type { CustomerClass, Rule, Silence, Template } from '@callwatch/schemas';
import { entityFlag, timeRange, withHistory } from '../history';
import { formatAudit, formatTimeline, HISTORY_FORMATS, type AuditLine, type HistoryFormat } from './history-format';

/** RangeFlags are the time flags every history command takes: `--since`, or `--from` and `--to`. */
export interface RangeFlags {
  since?: string;
  from?: string;
  to?: string;
  format?: string;
}

/** AlertHistoryFlags are the flags of `history alerts` as the command line gives them. */
export interface AlertHistoryFlags extends RangeFlags {
  rule?: string;
  entity?: string;
  limit?: string;
  includeTests?: boolean;
}

/** RuleHistoryFlags are the flags of `history rules` as the command line gives them. */
export interface RuleHistoryFlags extends RangeFlags {
  rule?: string;
  kind?: string;
}

/** HistoryCommandOptions say where to read, where to print (stdout, and stderr for notes), and the clock. */
export interface HistoryCommandOptions {
  env?: NodeJS.ProcessEnv;
  print?: (text: string) => void;
  warn?: (line: string) => void;
  now?: number;
}

const CONFIG_KINDS: readonly ConfigKind[] = ['rule', 'template', 'class', 'silence'];
const usage = (message: string) => new CallwatchError('CW_ERR_CLI_USAGE', message);

function checkFormat(format = 'table'): HistoryFormat {
  if (!(HISTORY_FORMATS as readonly string[]).includes(format)) throw usage(`--format: expected ${HISTORY_FORMATS.join(', ')}, got "${format}"`);
  return format as HistoryFormat;
}

function checkLimit(limit: string | undefined): number {
  if (limit === undefined) return DEFAULT_TIMELINE_LIMIT;
  if (!/^\d+$/.test(limit.trim()) || Number(limit) < 1) throw usage(`--limit: expected a whole number of lines, 1 or more, got "${limit}"`);
  return Number(limit);
}

function checkKind(kind: string | undefined): ConfigKind | undefined {
  if (kind !== undefined && !(CONFIG_KINDS as readonly string[]).includes(kind)) throw usage(`--kind: expected ${CONFIG_KINDS.join(', ')}, got "${kind}"`);
  return kind as ConfigKind | undefined;
}

const stdout = (text: string) => void process.stdout.write(text);
const stderr = (line: string) => void process.stderr.write(`${line}\n`);

/**
 * historyAlerts prints one timeline of alert transitions, the penalties they applied and lifted, and every delivery
 * attempt, in time order; the newest `--limit` lines when there are more (a note on stderr says so).
 */
export async function historyAlerts(flags: AlertHistoryFlags, options: HistoryCommandOptions = {}): Promise<Timeline> {
  const { env = process.env, print = stdout, warn = stderr, now = Date.now() } = options;
  const format = checkFormat(flags.format);
  const limit = checkLimit(flags.limit);
  const filter = { ...timeRange(flags, now), ruleId: flags.rule, entity: flags.entity === undefined ? undefined : entityFlag(flags.entity), includeTests: flags.includeTests ?? false, limit };
  const timeline = await withHistory(env, (history) => alertTimeline(history, filter));
  print(formatTimeline(timeline.lines, format));
  if (timeline.truncated) warn(`showing the newest ${limit} lines; older ones in the range were left out (narrow the range or raise --limit)`);
  return timeline;
}

// Each kind's own field diff, as `rules diff`, `templates diff` and `classes diff` print it; silences have no files to diff.
const CHANGES: Record<ConfigKind, (from: ConfigDocument, to: ConfigDocument) => string[]> = {
  rule: (a, b) => ruleChanges(a as unknown as Rule, b as unknown as Rule),
  template: (a, b) => templateChanges(a as unknown as Template, b as unknown as Template),
  class: (a, b) => classChanges(a as unknown as CustomerClass, b as unknown as CustomerClass),
  silence: (a, b) => silenceChanges(a as unknown as Silence, b as unknown as Silence),
};

const SILENCE_FIELDS = ['rule', 'entity', 'starts_at_ms', 'ends_at_ms', 'comment', 'expired_by'] as const;

/** silenceChanges lists how a silence changed (an expiry moves its end and names who): `ends_at: … → …`. */
export function silenceChanges(from: Silence, to: Silence): string[] {
  const show = (v: string | number | null) => (v === null ? '(none)' : typeof v === 'number' ? new Date(v).toISOString() : v);
  return SILENCE_FIELDS.filter((f) => from[f] !== to[f]).map((f) => `${f.replace(/_ms$/, '')}: ${show(from[f])} → ${show(to[f])}`);
}

/** auditLine describes one change of the trail with each field it changed against the version it replaced. */
export function auditLine(entry: TrailEntry): AuditLine {
  const changes = entry.previous !== null && entry.body !== null ? CHANGES[entry.kind](entry.previous, entry.body) : [];
  return { at_ms: entry.at_ms, kind: entry.kind, id: entry.id, change: entry.change, applied_by: entry.applied_by, changes, body: entry.body };
}

/**
 * historyRules prints the audit trail of rules, templates, classes and silences: every create, apply, enable,
 * disable, delete and expiry, who did it and when, and each field it changed.
 */
export async function historyRules(flags: RuleHistoryFlags, options: HistoryCommandOptions = {}): Promise<AuditLine[]> {
  const { env = process.env, print = stdout, now = Date.now() } = options;
  const format = checkFormat(flags.format);
  const filter = { ...timeRange(flags, now, '30d'), kind: checkKind(flags.kind), id: flags.rule };
  const lines = (await withHistory(env, (history) => configTrail(history, filter))).map(auditLine);
  print(formatAudit(lines, format));
  return lines;
}

const RANGE_HELP = {
  since: 'from this time to now: a duration ago (7d, 36h) or a time (2026-11-01, 2026-11-01T14:00, epoch ms)',
  from: 'the start of the range (a time or a duration ago)',
  to: 'the end of the range (default: now)',
};

/** registerHistory adds `callwatch history alerts|rules` to the CLI. */
export function registerHistory(program: Command): void {
  const history = program
    .command('history')
    .description('what happened, from the recorded history (ClickHouse): alerts with their penalties and deliveries, and the audit trail of configuration')
    .addHelpText('after', '\nExample:\n  $ callwatch history alerts --entity customer:acme --since 24h\n  $ callwatch history rules --kind rule --since 7d\n');
  history
    .command('alerts')
    .description('one timeline of alert transitions, penalties applied and lifted, and every delivery attempt with its outcome, in time order')
    .option('--rule <id>', 'only this rule')
    .option('--entity <entity>', 'only this entity: customer:<id> or carrier:<id>')
    .option('--since <time>', `${RANGE_HELP.since} (default: 7d)`)
    .option('--from <time>', RANGE_HELP.from)
    .option('--to <time>', RANGE_HELP.to)
    .option('--format <table|json|csv>', 'output format', 'table')
    .option('--limit <n>', 'at most this many lines, the newest', String(DEFAULT_TIMELINE_LIMIT))
    .option('--include-tests', 'include test alerts and their deliveries')
    .addHelpText('after', '\nExample:\n  $ callwatch history alerts --entity customer:acme --since 24h\n  $ callwatch history alerts --rule low-asr-warning --from 2026-11-01 --to 2026-11-08 --format csv > low-asr.csv\n')
    .action(async (flags: AlertHistoryFlags) => {
      await historyAlerts(flags);
    });
  history
    .command('rules')
    .description('the audit trail of rules, templates, classes and silences: who created, changed, enabled, disabled, deleted or expired what, field by field')
    .option('--rule <id>', 'only this id (a rule id, or with --kind a template id, class name or silence id)')
    .option('--kind <kind>', `only this kind: ${CONFIG_KINDS.join(', ')}`)
    .option('--since <time>', `${RANGE_HELP.since} (default: 30d)`)
    .option('--from <time>', RANGE_HELP.from)
    .option('--to <time>', RANGE_HELP.to)
    .option('--format <table|json|csv>', 'output format', 'table')
    .addHelpText('after', '\nExample:\n  $ callwatch history rules --rule low-asr-warning --since 90d\n  $ callwatch history rules --kind template --format json\n')
    .action(async (flags: RuleHistoryFlags) => {
      await historyRules(flags);
    });
}
