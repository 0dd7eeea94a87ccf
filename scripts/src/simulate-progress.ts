import { formatDuration } from '@callwatch/core';
import { formatScenario, isActive, type Scenario } from './simulate-scenarios';
import type { TrafficCounts } from './simulate-traffic';

/** SimulateProgress is what the progress line shows: time since the start, events made, and the scenarios in force. */
export interface SimulateProgress {
  elapsedMs: number;
  counts: TrafficCounts;
  scenarios: Scenario[];
}

/** ProgressOutput is where the progress line goes: stderr, or a test's stand-in. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const PLAIN_EVERY_MS = 10_000;

/** progressLine is the one line of progress: `+2m10s  12,345 calls  12,001 CDRs  4 payments  asr-drop:customer:acme@+0s/4m`. */
export function progressLine({ elapsedMs, counts, scenarios }: SimulateProgress): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const active = scenarios.filter((s) => isActive(s, elapsedMs)).map(formatScenario);
  const seconds = Math.floor(elapsedMs / 1000) * 1000;
  return [
    `simulate +${formatDuration(seconds)}`, `${n(counts.call_start)} call starts`, `${n(counts.cdr)} CDRs`, `${n(counts.payment)} payments`,
    active.length > 0 ? `now: ${active.join(', ')}` : 'no scenario in force',
  ].join('  ');
}

/**
 * progressReporter returns the function to call with each new state. On a terminal it rewrites one line in place
 * (cut to the terminal's width, so it never wraps); elsewhere (a log file, a pipe) it writes a plain line every 10 s,
 * and at `done` the final line.
 */
export function progressReporter(out: ProgressOutput, now: () => number = Date.now): { update(p: SimulateProgress): void; done(p: SimulateProgress): void } {
  let lastMs = -Infinity;
  let lastLine = '';
  return {
    update(p) {
      const line = progressLine(p);
      if (out.isTTY) {
        if (line === lastLine) return;
        lastLine = line;
        out.write(`\r\x1b[2K${line.slice(0, Math.max(20, (out.columns ?? 120) - 1))}`);
      } else if (now() - lastMs >= PLAIN_EVERY_MS) {
        lastMs = now();
        out.write(`${line}\n`);
      }
    },
    done(p) {
      out.write(`${out.isTTY ? '\r\x1b[2K' : ''}${progressLine(p)}  (done)\n`);
    },
  };
}
