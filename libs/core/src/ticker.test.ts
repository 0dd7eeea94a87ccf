import { startTicker } from './ticker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startTicker', () => {
  it('runs one run at a time, each `everyMs` after the one before ended, and goes on after a failure', async () => {
    const starts: number[] = [];
    const errors: unknown[] = [];
    let inside = 0;
    let overlapped = false;
    const t0 = Date.now();
    const ticker = startTicker(20, async () => {
      overlapped ||= inside > 0;
      inside++;
      starts.push(Date.now() - t0);
      await sleep(30);
      inside--;
      if (starts.length === 2) throw new Error('second run fails');
    }, (err) => errors.push(err), { immediately: true });
    await sleep(230);
    await ticker.stop();
    expect(overlapped).toBe(false);
    expect(errors).toEqual([new Error('second run fails')]);
    expect(starts.length).toBeGreaterThanOrEqual(3);
    // At once, then 30 ms of run + 20 ms of wait apart.
    expect(starts[0]).toBeLessThan(15);
    for (let i = 1; i < starts.length; i++) expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(48);
  });

  it('waits `everyMs` before the first run unless told otherwise, and stop() waits for the run in progress', async () => {
    let runs = 0;
    let finished = false;
    const ticker = startTicker(40, async () => {
      runs++;
      await sleep(50);
      finished = true;
    }, () => {});
    await sleep(20);
    expect(runs).toBe(0);
    await sleep(30);
    await ticker.stop();
    expect([runs, finished]).toEqual([1, true]);
    await sleep(100);
    expect(runs).toBe(1);
  });
});
