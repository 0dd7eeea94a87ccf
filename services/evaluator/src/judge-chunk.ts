import { entityDeadline, judgeDeadlines, transitionEvent, type AlertState, type ScriptError, type ScriptSandbox } from '@callwatch/rules';
import type { AlertEvent, MetricSnapshot, Rule } from '@callwatch/schemas';
import { type EntityAlerts, snapshotPosition, snapshotVerdict, stateChanged } from './alert-store';
import { evaluateRules } from './evaluate-snapshot';
import { orphanedStates } from './orphaned-states';

/** PositionedSnapshot is a metric snapshot with where it was read: its partition and offset. */
export interface PositionedSnapshot {
  value: MetricSnapshot;
  partition: number;
  offset: string;
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
    events: [], changed: new Map(), removed: new Map(), judged: new Map(), deadlines: new Map(),
    evaluations: 0, redelivered: 0, stale: 0, deadlinesJudged: 0, scriptErrors: new Map(),
  };
  // Per entity touched: its rules, its states as the step leaves them, and its states as saved.
  const entities = new Map<string, { rules: readonly Rule[]; states: Map<string, AlertState>; saved: EntityAlerts }>();
  const touch = (entity: string, atMs: number) => {
    let e = entities.get(entity);
    if (e) return e;
    const saved = input.saved.get(entity) ?? { states: new Map(), applied: null };
    e = { rules: input.rulesFor(entity), states: new Map(), saved };
    entities.set(entity, e);
    const orphans = orphanedStates(entity, saved.states, e.rules, input.ruleOf, atMs);
    if (orphans.ruleIds.length > 0) out.removed.set(entity, orphans.ruleIds);
    out.events.push(...orphans.resets);
    return e;
  };
  const stateOf = (e: { states: Map<string, AlertState>; saved: EntityAlerts }) => (ruleId: string) => e.states.get(ruleId) ?? e.saved.states.get(ruleId);
  const apply = (entity: string, e: { states: Map<string, AlertState>; saved: EntityAlerts }, rule: Rule, state: AlertState) => {
    e.states.set(rule.id, state);
    let writes = out.changed.get(entity);
    if (stateChanged(rule, e.saved.states.get(rule.id), state)) {
      if (!writes) out.changed.set(entity, (writes = new Map()));
      writes.set(rule.id, state);
    } else writes?.delete(rule.id);
  };
  const judgeBefore = (entity: string, e: ReturnType<typeof touch>, beforeMs: number) => {
    for (const decision of judgeDeadlines(e.rules, stateOf(e), beforeMs)) {
      out.deadlinesJudged++;
      apply(entity, e, decision.rule, decision.state);
      if (decision.event) out.events.push(transitionEvent(decision.rule, entity, decision.event));
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
    for (const evaluation of evaluateRules(e.rules, snapshot, stateOf(e), { scripts: input.scripts })) {
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
    out.deadlines.set(entity, entityDeadline(e.rules, stateOf(e)));
  }
  return out;
}
