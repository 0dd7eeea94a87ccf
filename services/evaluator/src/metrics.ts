import { Counter, Gauge, type Registry } from 'prom-client';

/** EvaluatorMetrics are the counters the evaluator reports on /metrics. */
export interface EvaluatorMetrics {
  emitted: Counter<'type'>;
  scriptErrors: Counter<'rule' | 'code'>;
  evaluated: Counter;
  redelivered: Counter;
  stale: Counter;
  deadlines: Counter<'clock'>;
}

/** evaluatorMetrics registers the evaluator's counters, and the gauge of pending deadlines (read from `pending`). */
export function evaluatorMetrics(registry: Registry, pending: () => number): EvaluatorMetrics {
  const registers = [registry];
  new Gauge({ name: 'callwatch_evaluator_deadlines_pending', help: 'entities with an alert deadline in the metric partitions this evaluator owns', registers, collect() {
    this.set(pending());
  } });
  return {
    emitted: new Counter({ name: 'callwatch_alert_events_total', help: 'alert events emitted', labelNames: ['type'], registers }),
    scriptErrors: new Counter({ name: 'callwatch_script_errors_total', help: 'script rule calls that failed (the rule had no data)', labelNames: ['rule', 'code'], registers }),
    evaluated: new Counter({ name: 'callwatch_rule_evaluations_total', help: 'rule evaluations (one rule on one metric snapshot)', registers }),
    redelivered: new Counter({ name: 'callwatch_evaluator_redelivered_total', help: 'metric snapshots not judged again: their entity\'s states were saved after them (a redelivery after a crash or rebalance)', registers }),
    stale: new Counter({ name: 'callwatch_evaluator_stale_snapshots_total', help: 'metric snapshots not judged: a newer version of their entity was judged already (overtaken on their way to the topic)', registers }),
    deadlines: new Counter({ name: 'callwatch_evaluator_deadlines_total', help: 'alert deadlines judged (the end of a `for`, a repeat), by the clock that passed them: `event` (the partition\'s snapshots) or `wall` (a quiet partition\'s clock following the wall clock)', labelNames: ['clock'], registers }),
  };
}
