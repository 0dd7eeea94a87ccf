import type { NotifyTarget } from '@callwatch/schemas';
import { channelConfigProblems, checkChannelConfig } from './channel-requirements';

const rule = (id: string, ...notify: NotifyTarget[]) => ({ id, notify });
const rules = [
  rule('mail-only', { channel: 'email', target: 'noc@example.net' }, { channel: 'slack', target: 'https://hooks.slack.example/T1' }),
  rule('hook-a', { channel: 'webhook', target: 'https://hooks.example.net/a' }),
  rule('hook-b', { channel: 'webhook', target: 'https://hooks.example.net/b' }, { channel: 'webhook', target: 'https://hooks.example.net/c' }),
  rule('pager', { channel: 'pushover', target: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG' }),
];

describe('channel requirements', () => {
  it('names each missing variable and the rules that need it', () => {
    expect(channelConfigProblems(rules, { WEBHOOK_SECRET: '', PUSHOVER_TOKEN: '' })).toEqual([
      'WEBHOOK_SECRET is not set, but rules hook-a, hook-b notify a webhook',
      'PUSHOVER_TOKEN is not set, but rule pager notifies Pushover',
    ]);
    expect(channelConfigProblems(rules, { WEBHOOK_SECRET: 's', PUSHOVER_TOKEN: '' })).toEqual(['PUSHOVER_TOKEN is not set, but rule pager notifies Pushover']);
  });

  it('is satisfied when the variables are set or no rule needs them', () => {
    expect(channelConfigProblems(rules, { WEBHOOK_SECRET: 's', PUSHOVER_TOKEN: 't' })).toEqual([]);
    expect(channelConfigProblems([rules[0] as (typeof rules)[0]], { WEBHOOK_SECRET: '', PUSHOVER_TOKEN: '' })).toEqual([]);
  });

  it('throws CW_ERR_CONFIG for the notifier to stop on', () => {
    expect(() => checkChannelConfig(rules, { WEBHOOK_SECRET: '', PUSHOVER_TOKEN: 't' })).toThrow(expect.objectContaining({
      code: 'CW_ERR_CONFIG', message: expect.stringContaining('WEBHOOK_SECRET is not set, but rules hook-a, hook-b notify a webhook') as unknown,
    }));
    expect(() => checkChannelConfig(rules, { WEBHOOK_SECRET: 's', PUSHOVER_TOKEN: 't' })).not.toThrow();
  });
});
