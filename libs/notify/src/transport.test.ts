import { loadConfig } from '@callwatch/core';
import { NOTIFY_ENV } from './config';
import { chooseTransport, openChannels } from './transport';

describe('transport', () => {
  it.each([
    [{}, {}, 'outbox'],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }, {}, 'aws'],
    [{ AWS_ACCESS_KEY_ID: 'AKIA' }, {}, 'aws'],
    [{}, { AWS_PROFILE: 'prod' }, 'aws'],
    [{ NOTIFY_TRANSPORT: 'outbox', AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }, {}, 'outbox'],
    [{ NOTIFY_TRANSPORT: 'aws' }, {}, 'aws'],
  ])('config %p with environment %p sends through %p', (vars, env, expected) => {
    expect(chooseTransport(loadConfig(NOTIFY_ENV, vars), env)).toBe(expected);
  });

  it('opens the outbox channels without AWS', async () => {
    const { transport, channels } = await openChannels(loadConfig(NOTIFY_ENV, { NOTIFY_OUTBOX_DIR: '/tmp/outbox' }), {});
    expect(transport).toBe('outbox');
    expect([channels.email.name, channels.sms.name, channels.webhook.name, channels.slack.name, channels.pushover.name]).toEqual(['outbox', 'outbox', 'webhook', 'slack', 'pushover']);
  });

  it.each([['AlertsCo'], ['CW1'], ['']])('accepts the SMS sender id %p', (id) => {
    expect(loadConfig(NOTIFY_ENV, { NOTIFY_SMS_SENDER_ID: id }).NOTIFY_SMS_SENDER_ID).toBe(id);
  });

  it.each([['12345'], ['TooLongSender1'], ['no spaces']])('refuses the SMS sender id %p, naming the variable', (id) => {
    expect(() => loadConfig(NOTIFY_ENV, { NOTIFY_SMS_SENDER_ID: id })).toThrow(/NOTIFY_SMS_SENDER_ID.*expected 1-11 letters and digits with at least one letter/);
  });
});
