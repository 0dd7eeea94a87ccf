import { loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, checkSettings } from './config';

describe('checkSettings', () => {
  const settings = (env: NodeJS.ProcessEnv) => loadConfig(AGGREGATOR_ENV, env);

  it('takes the defaults, and a dedup horizon of at least the lateness', () => {
    expect(() => checkSettings(settings({}))).not.toThrow();
    expect(() => checkSettings(settings({ AGGREGATOR_DEDUP_MS: '5m', AGGREGATOR_LATENESS_MS: '5m' }))).not.toThrow();
  });

  it('refuses a dedup horizon shorter than the lateness, naming both variables', () => {
    expect(() => checkSettings(settings({ AGGREGATOR_DEDUP_MS: '1m' }))).toThrow(
      expect.objectContaining({ code: 'CW_ERR_CONFIG', message: expect.stringMatching(/AGGREGATOR_DEDUP_MS: 60000 is shorter than AGGREGATOR_LATENESS_MS \(300000\)/) }),
    );
  });

  it('refuses a sample period that does not divide into buckets', () => {
    expect(() => checkSettings(settings({ AGGREGATOR_PERIODS: '7s' }))).toThrow();
  });
});
