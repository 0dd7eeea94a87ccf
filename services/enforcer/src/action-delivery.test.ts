import { deliverUntilDone } from './action-delivery';
import type { AttemptResult } from './action-post';

const retry: AttemptResult = { outcome: 'retry', error: new Error('503') };
const delivered: AttemptResult = { outcome: 'delivered', status: 204 };
const rejected: AttemptResult = { outcome: 'rejected', status: 400, error: new Error('400') };
const backoff = { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2 };

// Runs a delivery whose attempts answer `results` in turn, recording the sleeps it asked for.
async function run(results: AttemptResult[], sleep?: (ms: number) => Promise<void>) {
  const sleeps: number[] = [];
  const beats: number[] = [];
  let n = 0;
  const outcome = await deliverUntilDone({
    attempt: async () => results[n++] as AttemptResult,
    backoff,
    sleep: sleep ?? (async (ms) => void sleeps.push(ms)),
    beforeAttempt: async () => void beats.push(n),
    random: () => 1,
  });
  return { outcome, sleeps, beats };
}

describe('deliverUntilDone', () => {
  it.each([
    ['delivered at once', [delivered], 'delivered', 1, []],
    ['rejected at once, never retried', [rejected], 'rejected', 1, []],
    ['two failures, then delivered', [retry, retry, delivered], 'delivered', 3, [100, 200]],
    ['failures past the ceiling keep going at it', [retry, retry, retry, retry, retry, retry, delivered], 'delivered', 7, [100, 200, 400, 800, 1_000, 1_000]],
    ['a failure, then rejected', [retry, rejected], 'rejected', 2, [100]],
  ])('%s', async (_name, results, outcome, attempts, sleeps) => {
    const got = await run(results as AttemptResult[]);
    expect(got.outcome).toMatchObject({ result: { outcome }, attempts });
    expect(got.sleeps).toEqual(sleeps);
    expect(got.beats).toEqual(Array.from({ length: attempts as number }, (_, i) => i));
  });

  it('ends undecided when its sleep is cut short (the enforcer stopping)', async () => {
    await expect(run([retry, delivered], () => Promise.reject(new Error('stopping')))).rejects.toThrow('stopping');
  });
});
