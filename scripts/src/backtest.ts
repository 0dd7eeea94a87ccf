import { CallwatchError } from '@callwatch/core';
import { openingAccounts, recordedEvents, type HistoryReader } from '@callwatch/clickhouse';
import { ScriptSandbox } from '@callwatch/rules';
import type { Rule } from '@callwatch/schemas';
import { ACCOUNT_LATENESS_MS, keptPeriods, roundMoney, validateEvent } from '@callwatch/windows';
import { entityFlag, type TimeRange } from './history';
import { Replay, type ReplayOptions, type ReplayOutput } from './replay';

/** AGGREGATOR_DEFAULTS are the live aggregator's default settings (AGGREGATOR_PERIODS, _LATENESS_MS, _MAX_CALL_MS, _ACCOUNT_LATENESS_MS). */
export const AGGREGATOR_DEFAULTS = { periodsMs: [5 * 60_000, 15 * 60_000, 60 * 60_000], latenessMs: 5 * 60_000, maxCallMs: 4 * 3_600_000, accountLatenessMs: ACCOUNT_LATENESS_MS };

/**
 * backtestReplayOptions are the settings a backtest replays with: the live aggregator's defaults, with windows for its
 * periods and every period a rule uses (the periods decide how long event ids are remembered, so they matter to
 * duplicates too).
 */
export function backtestReplayOptions(rules: readonly Rule[]): ReplayOptions {
  return { ...AGGREGATOR_DEFAULTS, periodsMs: keptPeriods(AGGREGATOR_DEFAULTS.periodsMs, rules.map((r) => r.sample_period_ms)) };
}

/**
 * warmUpMs is how long before a range a backtest starts reading so that the rules judge the range's start as the live
 * evaluator did: a full window (the largest sample period) that held the condition for its `for` already, and, for rules
 * that read `channels` (scripts may), every call that could still be in progress.
 */
export function warmUpMs(rules: readonly Rule[], options: ReplayOptions): number {
  let ms = 0;
  for (const rule of rules) {
    ms = Math.max(ms, (rule.sample_period_ms ?? 0) + rule.for_ms);
    if (rule.area === 'channels' || rule.area === 'script') ms = Math.max(ms, options.maxCallMs);
  }
  return ms;
}

/** BacktestOptions narrow a backtest to some entities and say how it reads and replays. */
export interface BacktestOptions {
  /** `customer:<id>` or `carrier:<id>`: read only their events and keep only their transitions */
  entities?: readonly string[];
  /** rows per query of one partition (see recordedEvents) */
  pageSize?: number;
  /** the aggregator settings to replay with (default: backtestReplayOptions of the rules) */
  replay?: ReplayOptions;
}

/** BacktestResult is what rules would have done over a range of the history. */
export interface BacktestResult {
  /** the transitions, reports and penalty actions inside the range, in time order */
  transitions: ReplayOutput[];
  /** those of the warm-up before the range (an alert that fired there and resets inside the range) */
  warmUp: ReplayOutput[];
  /** where reading started: the range's start less the warm-up, on a whole second */
  readFromMs: number;
  /** events replayed, and events skipped as the aggregator would have dead-lettered them */
  events: number;
  skipped: number;
}

/**
 * backtest replays the input events recorded in `range` (and a warm-up before it) through the live window code and
 * rule semantics (Replay), and returns what `rules` would have emitted inside the range. Entry point for tests that
 * compare a backtest with what the live evaluator recorded.
 */
export async function backtest(history: HistoryReader, rules: readonly Rule[], range: TimeRange, options: BacktestOptions = {}): Promise<BacktestResult> {
  const [result] = await replayHistory(history, [rules], range, options);
  return result as BacktestResult;
}

/** Comparison is the same range backtested with the live rules and with the rules as they would be after a change. */
export interface Comparison {
  live: BacktestResult;
  changed: BacktestResult;
}

/**
 * compareBacktest backtests the live rules and the live rules changed by `rules` (same id: replaced, new id: added),
 * over one read of the events; only the rules' interplay (penalties, event rules on them) makes other rules differ.
 */
export async function compareBacktest(history: HistoryReader, rules: readonly Rule[], live: readonly Rule[], range: TimeRange, options: BacktestOptions = {}): Promise<Comparison> {
  const ids = new Set(rules.map((r) => r.id));
  const changed = [...live.filter((r) => !ids.has(r.id)), ...rules];
  const [liveResult, changedResult] = await replayHistory(history, [live, changed], range, options);
  return { live: liveResult as BacktestResult, changed: changedResult as BacktestResult };
}

/**
 * liveRules reads the rules in force from the history's configuration trail: the newest change of each rule id (by
 * when it was applied, then by offset), leaving out the deleted ones. It needs no Kafka.
 */
export async function liveRules(history: HistoryReader): Promise<Rule[]> {
  const rows = await history.rows<{ id: string; change: string; body: string }>(
    "SELECT id, change, body FROM config_changes WHERE kind = 'rule' ORDER BY id, at_ms DESC, src_offset DESC LIMIT 1 BY id",
  );
  return rows.filter((r) => r.change !== 'delete').map((r) => {
    try {
      return JSON.parse(r.body) as Rule;
    } catch (err) {
      throw new CallwatchError('CW_ERR_HISTORY', `config_changes: rule ${r.id} is not a JSON document: ${(err as Error).message}`, { cause: err });
    }
  });
}

/**
 * replayHistory runs each rule set in its own Replay over one read of the history: first each entity's account as it
 * stood when reading starts (its newest snapshot, with the money that moved since), then the recorded events in the
 * order the aggregator folded them, then the clock to the range's end (deadlines and slides of a quiet end happen, as
 * the wall clock makes them happen live).
 */
async function replayHistory(history: HistoryReader, ruleSets: ReadonlyArray<readonly Rule[]>, range: TimeRange, options: BacktestOptions): Promise<BacktestResult[]> {
  const entities = options.entities ?? [];
  entities.forEach(entityFlag);
  const all = ruleSets.flat();
  const replayOptions = options.replay ?? backtestReplayOptions(all);
  // On a whole second: the opening balance is a snapshot in the second before, so every movement read after it counts
  // (the aggregator counts money in the seconds after a snapshot's).
  const readFromMs = Math.floor((range.fromMs - warmUpMs(all, replayOptions)) / 1000) * 1000;
  const scripts = all.some((r) => r.area === 'script') ? await ScriptSandbox.create() : undefined;
  try {
    const replays = ruleSets.map((rules) => new Replay([...rules], replayOptions, scripts));
    for (const { account, moved } of await openingAccounts(history, readFromMs, entities)) {
      const opening = { ...account, balance: roundMoney(account.balance + moved), at_ms: readFromMs - 1 };
      for (const replay of replays) replay.push(opening);
    }
    for (const replay of replays) replay.advanceTo(readFromMs);
    let events = 0;
    let skipped = 0;
    for await (const event of recordedEvents(history, { fromMs: readFromMs, toMs: range.toMs, entities, pageSize: options.pageSize })) {
      // The aggregator dead-letters what fails validation; the recorder may have kept it.
      if (validateEvent(event) !== null) {
        skipped++;
        continue;
      }
      events++;
      for (const replay of replays) replay.push(event);
    }
    const wanted = entities.length > 0 ? new Set(entities) : null;
    return replays.map((replay) => {
      replay.advanceTo(range.toMs);
      const outputs = replay.finish().filter((o) => wanted === null || wanted.has(o.entity));
      return {
        transitions: outputs.filter((o) => o.at >= range.fromMs && o.at < range.toMs),
        warmUp: outputs.filter((o) => o.at < range.fromMs),
        readFromMs,
        events,
        skipped,
      };
    });
  } finally {
    scripts?.dispose();
  }
}
