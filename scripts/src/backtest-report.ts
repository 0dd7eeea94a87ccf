import { CallwatchError, valueDecimals } from '@callwatch/core';
import type { Rule } from '@callwatch/schemas';
import { compareBacktest, liveRules, type Comparison } from './backtest';
import { timeRange, withHistory, type TimeRange } from './history';
import type { ReplayOutput } from './replay';

/** Firing is one alert of a rule for an entity: fired at `firedAt`, reset at `resetAt` (null: still firing at the end). */
export interface Firing {
  rule: string;
  entity: string;
  firedAt: number;
  resetAt: number | null;
}

/** firings pairs each `fired` with the `reset` that ends it, per rule and entity. */
export function firings(outputs: readonly ReplayOutput[]): Firing[] {
  const open = new Map<string, Firing>();
  const all: Firing[] = [];
  for (const o of [...outputs].sort((a, b) => a.at - b.at)) {
    const key = `${o.rule}|${o.entity}`;
    if (o.type === 'fired') {
      const firing = { rule: o.rule, entity: o.entity, firedAt: o.at, resetAt: null };
      open.set(key, firing);
      all.push(firing);
    } else if (o.type === 'reset') {
      const firing = open.get(key);
      if (firing) firing.resetAt = o.at;
      open.delete(key);
    }
  }
  return all;
}

/** RuleSummary is what one rule did in a backtest. */
export interface RuleSummary {
  rule: string;
  fired: number;
  /** the entities it fired for, most firings first */
  entities: Array<{ entity: string; count: number }>;
  reports: number;
}

/** summarize counts, per rule (every rule given, in id order), its firings and the entities they were for, and its reports. */
export function summarize(ruleIds: readonly string[], transitions: readonly ReplayOutput[]): RuleSummary[] {
  return [...new Set(ruleIds)].sort().map((rule) => {
    const mine = transitions.filter((t) => t.rule === rule);
    const fired = mine.filter((t) => t.type === 'fired');
    return { rule, fired: fired.length, entities: countEntities(fired.map((t) => t.entity)), reports: mine.filter((t) => t.type === 'report').length };
  });
}

/** RuleChange is how a rule's firings over a range differ between the live rules and the changed ones. */
export interface RuleChange {
  rule: string;
  /** firings only the changed rules have */
  added: Firing[];
  /** live firings the changed rules no longer have */
  removed: Firing[];
  /** the same alert, fired at another time: a live firing and a changed one that overlap */
  moved: Array<{ live: Firing; changed: Firing }>;
  /** firings at the same time in both */
  kept: number;
}

/**
 * compareFirings matches the firings of two backtests of one range per rule and entity. Both replay the same events on
 * the same clock, so a firing the change leaves alone has exactly the same fire time in both: those are `kept`. What is
 * left is matched by overlap: a live alert and a changed one of the same rule and entity that were firing at the same
 * time are one alert that fires earlier or later (a threshold moved), not one added and one removed. The rest were
 * added or removed. Firings (and warm-up firings, which only serve to match) are counted when they fired in `range`.
 */
export function compareFirings(live: readonly Firing[], changed: readonly Firing[], range: TimeRange, ruleIds: readonly string[] = []): RuleChange[] {
  const inRange = (f: Firing) => f.firedAt >= range.fromMs && f.firedAt < range.toMs;
  const key = (f: Firing) => `${f.rule}|${f.entity}`;
  const changes = new Map<string, RuleChange>();
  const changeOf = (rule: string): RuleChange => {
    let c = changes.get(rule);
    if (!c) changes.set(rule, (c = { rule, added: [], removed: [], moved: [], kept: 0 }));
    return c;
  };
  for (const id of ruleIds) changeOf(id);
  const liveLeft = new Map<string, Firing[]>();
  for (const f of live) liveLeft.set(key(f), [...(liveLeft.get(key(f)) ?? []), f]);
  const changedLeft: Firing[] = [];
  for (const f of changed) {
    const candidates = liveLeft.get(key(f)) ?? [];
    const same = candidates.findIndex((l) => l.firedAt === f.firedAt);
    if (same === -1) changedLeft.push(f);
    else {
      candidates.splice(same, 1);
      if (inRange(f)) changeOf(f.rule).kept++;
    }
  }
  const end = (f: Firing) => f.resetAt ?? Infinity;
  for (const f of changedLeft) {
    const candidates = liveLeft.get(key(f)) ?? [];
    const overlap = candidates.findIndex((l) => l.firedAt < end(f) && f.firedAt < end(l));
    if (overlap === -1) {
      if (inRange(f)) changeOf(f.rule).added.push(f);
      continue;
    }
    const [l] = candidates.splice(overlap, 1) as [Firing];
    if (inRange(f) || inRange(l)) changeOf(f.rule).moved.push({ live: l, changed: f });
  }
  for (const left of liveLeft.values()) for (const l of left) if (inRange(l)) changeOf(l.rule).removed.push(l);
  const named = new Set(ruleIds);
  return [...changes.values()]
    .filter((c) => named.has(c.rule) || c.added.length + c.removed.length + c.moved.length > 0)
    .sort((a, b) => a.rule.localeCompare(b.rule));
}

/** compareResults compares the firings of a Comparison over its range, for the rules changed and any other rule that differs. */
export function compareResults(comparison: Comparison, range: TimeRange, ruleIds: readonly string[]): RuleChange[] {
  const all = (r: Comparison['live']) => firings([...r.warmUp, ...r.transitions]);
  return compareFirings(all(comparison.live), all(comparison.changed), range, ruleIds);
}

function countEntities(entities: readonly string[]): Array<{ entity: string; count: number }> {
  const counts = new Map<string, number>();
  for (const e of entities) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].map(([entity, count]) => ({ entity, count })).sort((a, b) => b.count - a.count || a.entity.localeCompare(b.entity));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** whom lists entities for a line of text: the five with the most firings (×n when more than one), then how many more. */
function whom(entities: readonly string[]): string {
  const counted = countEntities(entities);
  const shown = counted.slice(0, 5).map(({ entity, count }) => (count > 1 ? `${entity} ×${count}` : entity));
  return counted.length > 5 ? `${shown.join(', ')}, … ${counted.length - 5} more` : shown.join(', ');
}

/**
 * formatTransition renders one backtest output as a line, like `callwatch alerts tail`: a value with as many decimals as
 * it takes not to read as the rule's threshold it crossed.
 */
export function formatTransition(o: ReplayOutput, rule?: Pick<Rule, 'threshold' | 'reset_threshold'>): string {
  const thresholds = { threshold: rule?.threshold ?? null, reset_threshold: rule?.reset_threshold ?? null };
  const what = 'until' in o
    ? `until ${new Date(o.until).toISOString()}`
    : `value ${o.value === null ? 'n/a' : Number(o.value.toFixed(valueDecimals({ ...o, ...thresholds }, 2)))}`;
  return `${new Date(o.at).toISOString()}  ${o.type.toUpperCase().padEnd(8)} ${o.entity}  ${o.rule}: ${what}`;
}

/** formatSummary renders a rule's summary: `low-asr: fired 12 times for 3 entities (customer:acme ×10, …)`. */
export function formatSummary(s: RuleSummary): string {
  const reports = s.reports > 0 ? `; ${plural(s.reports, 'report')}` : '';
  if (s.fired === 0) return `${s.rule}: never fired${reports}`;
  const entities = s.entities.map(({ entity, count }) => Array<string>(count).fill(entity)).flat();
  return `${s.rule}: fired ${plural(s.fired, 'time')} for ${plural(s.entities.length, 'entity', 'entities')} (${whom(entities)})${reports}`;
}

/** formatChange renders what a change does to a rule's firings, in one line. */
export function formatChange(c: RuleChange, live: ReadonlySet<string>): string {
  const name = live.has(c.rule) ? c.rule : `${c.rule} (new)`;
  const parts: string[] = [];
  if (c.added.length > 0) parts.push(`would have fired ${plural(c.added.length, 'more time')} (${whom(c.added.map((f) => f.entity))})`);
  if (c.removed.length > 0) parts.push(`${plural(c.removed.length, 'firing')} would no longer happen (${whom(c.removed.map((f) => f.entity))})`);
  if (c.moved.length > 0) {
    const earlier = c.moved.filter((m) => m.changed.firedAt < m.live.firedAt).length;
    parts.push(`${plural(c.moved.length, 'firing')} would come at another time (${earlier} earlier, ${c.moved.length - earlier} later)`);
  }
  if (parts.length === 0) return `${name}: no change (${plural(c.kept, 'firing')}, as live)`;
  return `${name}: ${parts.join('; ')}`;
}

/** CompareOptions say where the history is, where to print and what time it is. */
export interface CompareOptions {
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
  now?: number;
}

/**
 * backtestBeforeApply prints, for `rules apply --backtest <since>`, what applying `rules` would have changed over the
 * range against the live rules (config_changes in the history). A history that cannot be opened or read is a warning
 * line: the apply goes on without the backtest. A `since` that is not a time is a usage error, before anything runs.
 */
export async function backtestBeforeApply(rules: readonly Rule[], since: string, options: CompareOptions = {}): Promise<RuleChange[] | null> {
  const { env = process.env, print = (line: string) => void process.stdout.write(`${line}\n`), now = Date.now() } = options;
  const range = timeRange({ since }, now);
  try {
    return await withHistory(env, async (history) => {
      const live = await liveRules(history);
      const changes = compareResults(await compareBacktest(history, rules, live, range), range, rules.map((r) => r.id));
      print(`backtest since ${new Date(range.fromMs).toISOString()}, against the live rules:`);
      const liveIds = new Set(live.map((r) => r.id));
      for (const change of changes) print(`  ${formatChange(change, liveIds)}`);
      return changes;
    });
  } catch (err) {
    const message = err instanceof CallwatchError ? `${err.code}: ${err.message}` : (err as Error).message;
    print(`warning: no backtest (${message}); applying anyway`);
    return null;
  }
}
