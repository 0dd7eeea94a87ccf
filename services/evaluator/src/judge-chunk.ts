import type { EntityAlerts, StateValues } from '@callwatch/redis';
import {
  entityDeadline, evaluateRules, judgeDeadlines, nextDeadline, orphanedStates, transitionEvent, type AlertState,
  type ScriptError, type ScriptSandbox,
} from '@callwatch/rules';
import type { AlertEvent, MetricSnapshot, Rule } from '@callwatch/schemas';
import { snapshotPosition, snapshotVerdict, stateChanged } from './snapshot-position';

/** PositionedSnapshot is a metric snapshot with where it was read: its partition and offset. */
export interface PositionedSnapshot {
  value: MetricSnapshot;
  partition: number;
  offset: string;
}

/** Touched is what a step keeps of an entity it touched. */
interface Touched {
  rules: readonly Rule[];
  /** the states this step changed, by rule id */
  states: Map<string, AlertState>;
  saved: EntityAlerts;
  /** a state as the step leaves it so far */
  stateOf: (ruleId: string) => AlertState | undefined;
  /** the earliest deadline of the states, as of the last time a change could have moved it */
  next: number | null;
  /** whether a state changed in a way that may move a deadline since `next` was computed */
  moved: boolean;
  /** whether a state with a deadline (or one whose value was saved apart) changed: its value may need saving */
  revalued: boolean;
}

/** ChunkInput is what one step of the evaluator judges: snapshots of one partition, and the deadlines its clock passed. */
export interface ChunkInput {
  /** the chunk's snapshots, in offset order (none for a step driven by the wall clock alone) */
  snapshots: readonly PositionedSnapshot[];
  /** the partition's clock after these snapshots: every deadline before it is judged */
  clockMs: number;
  /** entities of the partition with a deadline before `clockMs`, and that deadline (from the partition's index) */
  due: ReadonlyMap<string, number>;
  /** the states saved for every entity of `snapshots` and `due`, as the store loaded them */
  saved: ReadonlyMap<string, EntityAlerts>;
  /** the rules judged on an entity's snapshots (`applicableRules`) */
  rulesFor(entity: string): readonly Rule[];
  /** a rule by id, as it is now (undefined once deleted): what an orphaned state's reset describes */
  ruleOf(ruleId: string): Rule | undefined;
  scripts?: ScriptSandbox;
}

/** ChunkOutcome is what a step decided: alert events to publish, then states, positions and deadlines to save. */
export interface ChunkOutcome {
  events: AlertEvent[];
  /** entity -> rule id -> state, for the states that differ from what was saved */
  changed: Map<string, Map<string, AlertState>>;
  /** entity -> rule ids whose states go (their rule no longer applies) */
  removed: Map<string, string[]>;
  /** entity -> position of the last snapshot judged (`snapshotPosition`) */
  judged: Map<string, string>;
  /** entity -> its earliest deadline now (null: none), for every entity the step touched */
  deadlines: Map<string, number | null>;
  /** entity -> the values of its states with a deadline, where they differ from what was saved (`StateValues`) */
  values: Map<string, StateValues>;
  /** rule evaluations on snapshots, snapshots skipped as redelivered or stale, and deadlines judged */
  evaluations: number;
  redelivered: number;
  stale: number;
  deadlinesJudged: number;
  /** per script rule that had no data: its last error and how many evaluations failed */
  scriptErrors: Map<string, { error: ScriptError; count: number }>;
}

/**
 * judgeChunk judges a step of one partition, in time order per entity: for each new snapshot, first the entity's
 * deadlines before the snapshot's time (on its previous observations), then the snapshot; and once all snapshots are
 * judged, every deadline of the touched and due entities before the partition's clock. A redelivered or stale
 * snapshot is skipped (`snapshotVerdict`). The first time a step touches an entity, its states whose rule no longer
 * applies are removed, a firing one with a reset (`orphanedStates`) at that time. Only changed states are returned.
 */
export function judgeChunk(input: ChunkInput): ChunkOutcome {
  const out: ChunkOutcome = {
    events: [], changed: new Map(), removed: new Map(), judged: new Map(), deadlines: new Map(), values: new Map(),
    evaluations: 0, redelivered: 0, stale: 0, deadlinesJudged: 0, scriptErrors: new Map(),
  };
  // Per entity touched: its rules, its states as the step leaves them and as saved, and its earliest deadline.
  const entities = new Map<string, Touched>();
  const touch = (entity: string, atMs: number): Touched => {
    const known = entities.get(entity);
    if (known) return known;
    const saved = input.saved.get(entity) ?? { states: new Map(), applied: null, valued: new Set<string>() };
    const states = new Map<string, AlertState>();
    const stateOf = (ruleId: string) => states.get(ruleId) ?? saved.states.get(ruleId);
    const rules = input.rulesFor(entity);
    const touched: Touched = { rules, states, saved, stateOf, next: entityDeadline(rules, stateOf), moved: false, revalued: false };
    entities.set(entity, touched);
    const orphans = orphanedStates(entity, saved.states, rules, input.ruleOf, atMs);
    if (orphans.ruleIds.length > 0) out.removed.set(entity, orphans.ruleIds);
    out.events.push(...orphans.resets);
    return touched;
  };
  const apply = (entity: string, e: Touched, rule: Rule, state: AlertState) => {
    const before = e.stateOf(rule.id);
    if (before === state) return;
    // Only what makes a state worth writing (status, times, data) moves a deadline; the value alone does not.
    if (stateChanged(before, state)) e.moved = true;
    if (nextDeadline(rule, state) !== null || e.saved.valued.has(rule.id)) e.revalued = true;
    e.states.set(rule.id, state);
    let writes = out.changed.get(entity);
    if (stateChanged(e.saved.states.get(rule.id), state)) {
      if (!writes) out.changed.set(entity, (writes = new Map()));
      writes.set(rule.id, state);
    } else writes?.delete(rule.id);
  };
  // Judges an entity's deadlines before a time, if it has any, and keeps its earliest deadline current.
  const judgeBefore = (entity: string, e: Touched, beforeMs: number) => {
    if (e.next !== null && e.next < beforeMs) {
      for (const decision of judgeDeadlines(e.rules, e.stateOf, beforeMs)) {
        out.deadlinesJudged++;
        apply(entity, e, decision.rule, decision.state);
        if (decision.event) out.events.push(transitionEvent(decision.rule, entity, decision.event));
      }
      e.moved = true;
    }
    if (e.moved) {
      e.next = entityDeadline(e.rules, e.stateOf);
      e.moved = false;
    }
  };

  for (const { value: snapshot, partition, offset } of input.snapshots) {
    const { entity } = snapshot;
    const last = out.judged.get(entity) ?? input.saved.get(entity)?.applied ?? null;
    const verdict = snapshotVerdict(last, partition, offset, snapshot.version);
    if (verdict !== 'new') {
      out[verdict]++;
      continue;
    }
    out.judged.set(entity, snapshotPosition(partition, offset, snapshot.version, last));
    const e = touch(entity, snapshot.at_ms);
    judgeBefore(entity, e, snapshot.at_ms);
    out.evaluations += e.rules.length;
    for (const evaluation of evaluateRules(e.rules, snapshot, e.stateOf, { scripts: input.scripts })) {
      if (evaluation.scriptError) {
        const failed = out.scriptErrors.get(evaluation.rule.id);
        out.scriptErrors.set(evaluation.rule.id, { error: evaluation.scriptError, count: (failed?.count ?? 0) + 1 });
      }
      apply(entity, e, evaluation.rule, evaluation.state);
      if (evaluation.event) out.events.push(evaluation.event);
    }
  }
  for (const [entity, dueMs] of input.due) touch(entity, Math.min(dueMs, input.clockMs));
  for (const [entity, e] of entities) {
    judgeBefore(entity, e, input.clockMs);
    out.deadlines.set(entity, e.next);
    if (e.revalued) {
      const values = deadlineValues(e);
      if (values) out.values.set(entity, values);
    }
  }
  return out;
}

// The values of an entity's states that have a deadline, when they differ from what was saved; null when they do not.
function deadlineValues(e: Touched): StateValues | null {
  const values: StateValues = {};
  let differs = false;
  for (const rule of e.rules) {
    const state = e.stateOf(rule.id);
    if (!state || nextDeadline(rule, state) === null) continue;
    values[rule.id] = state.value;
    if (e.saved.states.get(rule.id)?.value !== state.value) differs = true;
  }
  for (const ruleId of e.saved.valued) if (!(ruleId in values)) differs = true;
  return differs ? values : null;
}
