import { progressLine, progressReporter, type SimulateProgress } from './simulate-progress';
import { parseScenario } from './simulate-scenarios';

const progress = (elapsedMs: number): SimulateProgress => ({
  elapsedMs,
  counts: { call_start: 12_345, cdr: 12_001, payment: 4, account: 25 },
  scenarios: [parseScenario('asr-drop:customer:acme@+0s/4m'), parseScenario('pdd-rise:carrier:atlas-voice@+2m')],
});

describe('the progress line', () => {
  it('says how far the run is, what it sent, and which scenarios are in force', () => {
    expect(progressLine(progress(130_400))).toBe('simulate +2m10s  12,345 call starts  12,001 CDRs  4 payments  now: asr-drop:customer:acme@+0s/4m, pdd-rise:carrier:atlas-voice@+2m/5m');
    expect(progressLine(progress(600_000))).toContain('no scenario in force');
  });

  it('is rewritten in place on a terminal, cut to its width', () => {
    const written: string[] = [];
    const reporter = progressReporter({ isTTY: true, columns: 40, write: (text: string) => written.push(text) });
    reporter.update(progress(1_000));
    reporter.update(progress(1_500));
    reporter.update(progress(2_000));
    expect(written).toEqual([`\r\x1b[2K${progressLine(progress(1_000)).slice(0, 39)}`, `\r\x1b[2K${progressLine(progress(2_000)).slice(0, 39)}`]);
    reporter.done(progress(3_000));
    expect(written[2]).toBe(`\r\x1b[2K${progressLine(progress(3_000))}  (done)\n`);
  });

  it('is a plain line every 10 s elsewhere (a log file, a pipe)', () => {
    const written: string[] = [];
    let now = 0;
    const reporter = progressReporter({ write: (text: string) => written.push(text) }, () => now);
    for (now = 0; now <= 25_000; now += 100) reporter.update(progress(now));
    expect(written).toEqual([0, 10_000, 20_000].map((t) => `${progressLine(progress(t))}\n`));
  });
});
