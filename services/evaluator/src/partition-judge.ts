import type { Logger } from '@callwatch/core';
import type { AlertStore } from '@callwatch/redis';
import type { ScriptSandbox } from '@callwatch/rules';
import type { AlertEvent, Rule } from '@callwatch/schemas';
import { judgeChunk, type ChunkOutcome, type PositionedSnapshot } from './judge-chunk';
import type { EvaluatorMetrics } from './metrics';
import type { OwnedPartitions } from './owned-partitions';
import { advanceClock, judgedClock, type ClockLimits } from './partition-clock';

/** JudgeDeps are what judging a partition's steps uses. */
export interface JudgeDeps {
  partitions: OwnedPartitions;
  store: AlertStore;
  limits: ClockLimits;
  /** the most deadlines of entities without a snapshot judged in one step (the rest wait for the next) */
  chunkSize: number;
  rulesFor(entity: string): readonly Rule[];
  ruleOf(ruleId: string): Rule | undefined;
  scripts: ScriptSandbox;
  publish(events: AlertEvent[]): Promise<void>;
  metrics: EvaluatorMetrics;
  countAlerts(events: AlertEvent[]): void;
  log: Logger;
}

/**
 * PartitionJudge runs the steps of the metric partitions this evaluator owns: a chunk of snapshots with the deadlines
 * its clock passed, or, for a quiet partition, the deadlines the wall clock passed. One partition's steps run one
 * after another (`OwnedPartitions.run`).
 */
export class PartitionJudge {
  constructor(private readonly deps: JudgeDeps) {}

  /**
   * judge runs one step of a partition at wall time `wallMs`: its snapshots (none when the wall clock drives it), then
   * the deadlines its clock passed. Events are published before states are saved: a crash in between re-emits the same
   * event ids, which consumers dedup; the other order could lose a transition.
   */
  judge(partition: number, snapshots: PositionedSnapshot[], wallMs: number): Promise<void> {
    const { partitions, store, limits, chunkSize } = this.deps;
    return partitions.run(partition, async (owned) => {
      const time = advanceClock(owned.time, snapshots.map((s) => s.value.at_ms), wallMs, limits);
      const clockMs = judgedClock(time, wallMs, limits) ?? -Infinity;
      const due = new Map(owned.deadlines.before(clockMs, chunkSize));
      if (snapshots.length === 0 && due.size === 0) return;
      const saved = await store.load(new Set([...snapshots.map((s) => s.value.entity), ...due.keys()]));
      const outcome = judgeChunk({ snapshots, clockMs, due, saved, rulesFor: this.deps.rulesFor, ruleOf: this.deps.ruleOf, scripts: this.deps.scripts });
      await this.deps.publish(outcome.events);
      const moves = [...outcome.deadlines].map(([entity, after]): [string, number | undefined, number | null] => [entity, owned.deadlines.get(entity), after]);
      await store.save(outcome.changed, outcome.removed, outcome.judged, { partition, moves, clock: time === owned.time ? undefined : time }, outcome.values);
      owned.time = time;
      for (const [entity, after] of outcome.deadlines) owned.deadlines.set(entity, after);
      this.report(outcome, clockMs === time.clockMs ? 'event' : 'wall');
    });
  }

  /**
   * sweep judges, in every owned partition whose clock (following the wall clock once the partition is quiet for
   * EVALUATOR_IDLE_MS) passed a deadline, the deadlines due; a partition not read since its assignment is read first,
   * so that a deadline that passed while no evaluator ran is judged at start.
   */
  async sweep(wallMs: number): Promise<void> {
    const { partitions, limits, log } = this.deps;
    const due = [...partitions.assigned()].filter((partition) => {
      const owned = partitions.peek(partition);
      const next = owned?.deadlines.peek();
      return !owned || (next != null && next.time < (judgedClock(owned.time, wallMs, limits) ?? -Infinity));
    });
    await Promise.all(due.map((partition) => this.judge(partition, [], wallMs).catch((err: unknown) => log.error({ err, partition }, 'judging deadlines failed; trying again'))));
  }

  private report(outcome: ChunkOutcome, clock: 'event' | 'wall'): void {
    const { metrics, log } = this.deps;
    metrics.evaluated.inc(outcome.evaluations);
    metrics.redelivered.inc(outcome.redelivered);
    metrics.stale.inc(outcome.stale);
    if (outcome.deadlinesJudged > 0) metrics.deadlines.inc({ clock }, outcome.deadlinesJudged);
    this.deps.countAlerts(outcome.events);
    // Once per rule and step: a broken script fails on every snapshot of every entity it watches.
    for (const [rule, { error, count }] of outcome.scriptErrors) {
      metrics.scriptErrors.inc({ rule, code: error.code }, count);
      log.warn({ rule, code: error.code, count, error: error.message }, 'script rule failed: no data');
    }
  }
}
