#!/usr/bin/env node
// `npm run bench:scripts`: calls per second of a simple script rule, the way the evaluator makes them (metricValue
// builds `m`, passes it as JSON to the rule's compiled function in QuickJS, and reads the result), and the time a
// script that never ends costs. Options (environment): BENCH_CALLS (100000). Needs no infrastructure.
import { cpus } from 'node:os';
import { ScriptSandbox, metricValue } from '@callwatch/rules';
import type { MetricSnapshot, Rule } from '@callwatch/schemas';

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);

const rule = (id: string, script: string): Rule => ({
  id, title: id, scope: { kind: 'all_customers', value: null }, area: 'script', operator: null, threshold: null, reset_threshold: null,
  sample_period_ms: 900_000, min_attempts: 1, for_ms: 0, repeat_ms: 0, level: 'warning', penalty_ms: null, codes: [], notify: [],
  template: null, group_by: null, group_wait_ms: null, group_interval_ms: null, enabled: true, extra_json: JSON.stringify({ script }), applied_by: 'bench', applied_at_ms: 0,
});

const snapshot = (i: number): MetricSnapshot => ({
  entity: `customer:k${i % 1_000}`, at_ms: i, channels: 17, balance: 99.5, credit: null, credit_used: null, late: 0, version: 0,
  windows: [{ sample_period_ms: 900_000, attempts: 40 + (i % 100), answered: 12 + (i % 30), asr: 20 + (i % 30), ner: 95, acd: 61.5, pdd: 1_800, cps: 3, spend: 12.5, margin: 2.25, sdr: 4, codes: { '200': 12, '486': 30 } }],
});

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores, node ${process.version}; ${CALLS} calls`);
  const scripts = await ScriptSandbox.create();
  try {
    const simple = rule('low-asr-busy', 'return m.asr < 30 && m.attempts > 50');
    const snapshots = Array.from({ length: 1_000 }, (_, i) => snapshot(i));
    metricValue(simple, snapshots[0] as MetricSnapshot, scripts); // compiles the script
    let fired = 0;
    const t = performance.now();
    for (let i = 0; i < CALLS; i++) {
      const { value, error } = metricValue(simple, snapshots[i % snapshots.length] as MetricSnapshot, scripts);
      if (error) throw error;
      if (value === 1) fired++;
    }
    const seconds = (performance.now() - t) / 1000;
    console.log(`script rule "${JSON.parse(simple.extra_json as string).script}": ${Math.round(CALLS / seconds)} calls/s (${((seconds / CALLS) * 1e6).toFixed(1)} µs a call, ${fired} true)`);

    const endless = rule('endless', 'while (true) {}');
    const started = performance.now();
    const { error } = metricValue(endless, snapshots[0] as MetricSnapshot, scripts);
    console.log(`endless script: ${error?.code} after ${(performance.now() - started).toFixed(0)} ms (compile + 50 ms limit), heap ${Math.round(scripts.heapBytes / 1_048_576)} MiB`);
  } finally {
    scripts.dispose();
  }
}

main().catch((err: Error) => {
  console.error(`bench:scripts failed: ${err.message}`);
  process.exit(1);
});
