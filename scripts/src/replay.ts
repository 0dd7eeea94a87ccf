import { WindowEngine, dedupId, entityOf, preAggregate, type EntityMetrics, type InputEvent, type Side } from '@callwatch/windows';
import {
  DeadlineQueue, RuleIndex, accountEvent, actionEvent, applicableRules, decidePenalty, enableAction, entityDeadline,
  evaluateRules, eventAlerts, judgeDeadlines, paymentEvent, reportEntities, reportValue, ruleSchedule, scheduleTicks,
  transitionEvent, type AlertState, type Penalty, type RuleEvent, type Schedule, type ScriptError,
  type ScriptSandbox, type TransitionEvent,
} from '@callwatch/rules';
import type { MetricSnapshot, Rule } from '@callwatch/schemas';

/** ReplayOptions are the aggregator settings a replay runs with (the live service's AGGREGATOR_* variables). */
export interface ReplayOptions {
  periodsMs: number[];
  latenessMs: number;
  maxCallMs: number;
  /** how late an account snapshot may be and still get the exact balance (default: the aggregator's) */
  accountLatenessMs?: number;
}

/** ReplayOutput is one line of `callwatch replay`'s output: an alert transition or report, or a penalty action, at its event time. */
export type ReplayOutput =
  | { type: 'fired' | 'repeated' | 'reset' | 'report'; rule: string; entity: string; value: number | null; at: number }
  | { type: 'disable' | 'enable'; rule: string; entity: string; at: number; until: number };

const SIDES: Record<InputEvent['type'], Side[]> = { cdr: ['customer', 'carrier'], call_start: ['customer', 'carrier'], payment: ['billing'], account: ['billing'] };

/** ReportClock is a report rule's place in its schedule: the next tick to send (null before the clock starts, and after the last tick). */
interface ReportClock {
  rule: Rule;
  schedule: Schedule;
  nextMs: number | null;
}

/**
 * Replay runs the aggregator's window code (WindowEngine, the one implementation of window semantics) and the
 * evaluator's decisions over events in file order, with a virtual clock that follows event time: the largest
 * CDR end or call start seen. The evaluator runs after every event, and whenever the clock passes a time at
 * which an entity's window changes (a bucket leaves it), at exactly that time; an alert's deadlines (the end of
 * `for`, each repeat) are judged when the clock passes them, at exactly their time. Event rules fire on completed
 * payments, account status changes and the penalty actions of the replay itself, as the live evaluator's event
 * consumer does, but with no wall clock to judge an event's age by. Report rules report at every tick of their
 * schedule that the clock passes, as the live scheduler does by the wall clock.
 */
export class Replay {
  private readonly store: WindowEngine;
  private readonly index: RuleIndex;
  private readonly states = new Map<string, AlertState>();
  private readonly accounts = new Map<string, { class: string | null }>();
  // The last account status of each entity, which an account snapshot must differ from to be a status change.
  private readonly statuses = new Map<string, string>();
  private readonly due = new Map<string, number>();
  // Each entity's earliest alert deadline.
  private readonly deadlines = new DeadlineQueue();
  private readonly penalties = new Map<string, Penalty>();
  // Each entity's last snapshot: its metrics until its windows next change, which is what a report reads.
  private readonly snapshots = new Map<string, MetricSnapshot>();
  private readonly reports: ReportClock[];
  private readonly out: ReplayOutput[] = [];
  /** scriptErrors holds, per script rule that failed, its last error and how many evaluations failed. */
  readonly scriptErrors = new Map<string, { error: ScriptError; count: number }>();
  private clockMs = 0;
  private seq = 0;

  constructor(
    rules: Rule[],
    private readonly options: ReplayOptions,
    private readonly scripts?: ScriptSandbox,
  ) {
    this.index = new RuleIndex(rules);
    this.reports = rules
      .flatMap((rule) => {
        const schedule = rule.enabled ? ruleSchedule(rule) : null;
        return schedule ? [{ rule, schedule, nextMs: null }] : [];
      })
      .sort((a, b) => (a.rule.id < b.rule.id ? -1 : 1));
    this.store = new WindowEngine({ periodsMs: options.periodsMs, idRetentionMs: Math.max(...options.periodsMs) + options.latenessMs, maxCallMs: options.maxCallMs, accountLatenessMs: options.accountLatenessMs });
  }

  /** push takes the next event of the input. */
  push(event: InputEvent): void {
    if (event.type === 'account') {
      this.accounts.set(event.entity, { class: event.class });
      this.onRuleEvent(accountEvent(event, this.statuses.get(event.entity) ?? null));
      this.statuses.set(event.entity, event.status);
    } else if (event.type === 'payment') {
      this.onRuleEvent(paymentEvent(event));
    }
    const eventMs = event.type === 'cdr' ? event.end_ms : event.type === 'call_start' ? event.start_ms : null;
    if (eventMs !== null && eventMs > this.clockMs) {
      this.advance(eventMs);
      this.clockMs = eventMs;
    }
    const offset = this.seq++;
    for (const side of SIDES[event.type]) {
      const entity = entityOf(side, event);
      if (entity === null) continue;
      const id = dedupId(event);
      const positions = this.store.positions(side, new Map([[entity, id === null ? [] : [id]]]));
      const deltas = preAggregate([{ offset, event }], { side, periodsMs: this.options.periodsMs, latenessMs: this.options.latenessMs, positions });
      this.evaluate(this.store.apply(side, [...deltas.values()]));
    }
  }

  /**
   * advanceTo moves the clock to `toMs` with no event, as the wall clock moves the live services in a quiet stream:
   * what falls due before `toMs` (penalty ends, window slides, deadlines, report ticks) happens, at its own time.
   */
  advanceTo(toMs: number): void {
    if (toMs <= this.clockMs) return;
    this.advance(toMs);
    this.clockMs = toMs;
  }

  /**
   * finish returns every transition, report and penalty action, in time order (penalties still running have no
   * `enable`, and ticks at or after the last event time have no reports: the clock never passed them).
   */
  finish(): ReplayOutput[] {
    return [...this.out].sort((a, b) => a.at - b.at);
  }

  /**
   * advance moves the clock to `toMs`: in time order, every penalty that ends by then is lifted, every window that
   * changes before it is slid (and its entity evaluated at that time), every alert deadline before it is judged, and
   * every report tick before it is sent; at equal times, in that order. The event at `toMs` is applied after this:
   * a penalty ending at its time is lifted before it, and what else falls due at that time waits for the clock to
   * pass it, after the events of that time.
   */
  private advance(toMs: number): void {
    // The first event starts the clock: the schedules start there too, not at the epoch.
    if (this.clockMs === 0) for (const r of this.reports) r.nextMs = nextTick(r.schedule, toMs - 1);
    for (;;) {
      let ending: [string, Penalty] | null = null;
      for (const [entity, penalty] of this.penalties) if (penalty.until_ms <= toMs && (ending === null || penalty.until_ms < ending[1].until_ms)) ending = [entity, penalty];
      let slide: [string, number] | null = null;
      for (const [entity, dueMs] of this.due) if (dueMs < toMs && (slide === null || dueMs < slide[1])) slide = [entity, dueMs];
      const earliest = this.deadlines.peek();
      const deadline = earliest !== null && earliest.time < toMs ? earliest : null;
      let report: ReportClock | null = null;
      for (const r of this.reports) if (r.nextMs !== null && r.nextMs < toMs && (report === null || r.nextMs < (report.nextMs as number))) report = r;
      const slideMs = slide?.[1] ?? Infinity;
      const deadlineMs = deadline?.time ?? Infinity;
      const reportMs = report?.nextMs ?? Infinity;
      if (ending !== null && ending[1].until_ms <= Math.min(slideMs, deadlineMs, reportMs)) {
        const [entity, penalty] = ending;
        this.penalties.delete(entity);
        this.out.push({ type: 'enable', rule: penalty.rule_id, entity, at: penalty.until_ms, until: penalty.until_ms });
        // The enforcer's action when a penalty expires, which event rules see as penalty_lifted.
        this.onRuleEvent(actionEvent(enableAction(entity, penalty, penalty.until_ms)));
      } else if (slide !== null && slideMs <= Math.min(deadlineMs, reportMs)) {
        this.evaluate(this.store.tick([slide[0]], slideMs));
      } else if (deadline !== null && deadlineMs <= reportMs) {
        this.judgeDeadlines(deadline.key, deadlineMs);
      } else if (report !== null) {
        this.report(report);
      } else return;
    }
  }

  /**
   * report sends a report rule's tick as the live scheduler does: one line per entity of its scope (a class or `all`
   * scope covers the entities with an account event so far), with the value of its area in the entity's current
   * metrics, or null when the replay has none.
   */
  private report(clock: ReportClock): void {
    const at = clock.nextMs as number;
    const known = [...this.accounts].map(([entity, account]) => ({ entity, class: account.class }));
    for (const entity of reportEntities(clock.rule, known)) {
      this.out.push({ type: 'report', rule: clock.rule.id, entity, value: reportValue(clock.rule, this.snapshots.get(entity), this.scripts), at });
    }
    clock.nextMs = nextTick(clock.schedule, at);
  }

  private evaluate(metrics: EntityMetrics[]): void {
    for (const m of metrics) {
      if (m.dueMs > 0) this.due.set(m.entity, m.dueMs);
      else this.due.delete(m.entity);
      const snapshot: MetricSnapshot = {
        entity: m.entity, at_ms: m.clockMs, windows: m.windows, channels: m.channels, balance: m.balance, credit: m.credit, credit_used: m.creditUsed, late: m.late, version: m.version,
      };
      this.snapshots.set(m.entity, snapshot);
      const rules = this.rulesOf(m.entity);
      for (const { rule, state, event, scriptError } of evaluateRules(rules, snapshot, this.stateOf(m.entity), { scripts: this.scripts })) {
        this.states.set(`${rule.id}|${m.entity}`, state);
        if (scriptError) this.scriptErrors.set(rule.id, { error: scriptError, count: (this.scriptErrors.get(rule.id)?.count ?? 0) + 1 });
        if (event) this.emit(event, rule);
      }
      this.deadlines.set(m.entity, entityDeadline(rules, this.stateOf(m.entity)));
    }
  }

  /** judgeDeadlines judges an entity's alert deadlines at `atMs` (its earliest), on its last observations. */
  private judgeDeadlines(entity: string, atMs: number): void {
    const rules = this.rulesOf(entity);
    for (const { rule, state, event } of judgeDeadlines(rules, this.stateOf(entity), atMs + 1)) {
      this.states.set(`${rule.id}|${entity}`, state);
      if (event) this.emit(transitionEvent(rule, entity, event), rule);
    }
    this.deadlines.set(entity, entityDeadline(rules, this.stateOf(entity)));
  }

  // The rules judged on an entity's snapshots (threshold and script rules in its scope), as the live evaluator picks them.
  private rulesOf(entity: string): Rule[] {
    const account = this.accounts.get(entity);
    return applicableRules(this.index.forEntity(entity, account), entity, account);
  }

  private stateOf(entity: string): (ruleId: string) => AlertState | undefined {
    return (ruleId) => this.states.get(`${ruleId}|${entity}`);
  }

  /** onRuleEvent emits the alerts of the event rules that an event matches, as the live evaluator's event consumer does. */
  private onRuleEvent(event: RuleEvent | null): void {
    if (event === null) return;
    const rules = this.index.forEntity(event.entity, this.accounts.get(event.entity));
    for (const alert of eventAlerts(rules, event)) this.emit(alert, rules.find((r) => r.id === alert.rule_id) as Rule);
  }

  /**
   * emit records an alert event, then the enforcer's decision on the same clock: a disable until the fire time
   * plus the rule's penalty (extended by a second firing), which event rules see as penalty_applied.
   */
  private emit(alert: TransitionEvent, rule: Rule): void {
    this.out.push({ type: alert.type, rule: alert.rule_id, entity: alert.entity, value: alert.value, at: alert.at_ms });
    const penalty = decidePenalty(this.penalties.get(alert.entity) ?? null, alert, rule);
    if (!penalty) return;
    this.penalties.set(alert.entity, penalty.penalty);
    this.out.push({ type: 'disable', rule: rule.id, entity: alert.entity, at: alert.at_ms, until: penalty.penalty.until_ms });
    this.onRuleEvent(actionEvent(penalty.action));
  }
}

// The first tick after `afterMs`, however far: a gap in the events is passed tick by tick, each with its reports.
function nextTick(schedule: Schedule, afterMs: number): number | null {
  return scheduleTicks(schedule, afterMs, Infinity, 1)[0] ?? null;
}
