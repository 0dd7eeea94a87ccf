import { CallwatchError } from './errors';
import { backoffDelay, retry } from './retry';

const noSleep = async () => {};

describe('retry', () => {
  it('retries retriable errors and returns the first success', async () => {
    let calls = 0;
    const result = await retry(async () => {
      calls++;
      if (calls < 3) throw new CallwatchError('CW_ERR_DELIVERY', 'throttled');
      return 'ok';
    }, { sleep: noSleep });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('does not retry an error that is not retriable', async () => {
    let calls = 0;
    await expect(retry(async () => {
      calls++;
      throw new CallwatchError('CW_ERR_DELIVERY_REJECTED', 'bad address');
    }, { sleep: noSleep })).rejects.toThrow('bad address');
    expect(calls).toBe(1);
  });

  it('gives up after the configured retries with the last error', async () => {
    let calls = 0;
    await expect(retry(async () => {
      calls++;
      throw new CallwatchError('CW_ERR_DELIVERY', `attempt ${calls}`);
    }, { retries: 2, sleep: noSleep })).rejects.toThrow('attempt 3');
  });

  it.each([
    [1, 0, 100],
    [1, 0.999, 200],
    [3, 0, 400],
    [10, 0.5, 7_500],
  ])('backoff before retry %i with random %f is %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, { initialDelayMs: 200, maxDelayMs: 10_000, factor: 2 }, () => random)).toBe(expected);
  });
});
