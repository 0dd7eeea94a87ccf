import { createAwsClients } from './aws-clients';
import { awsConfigured, createChannelSet } from './channel-set';

describe('channel set', () => {
  it.each([
    [{}, false],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:25500' }, true],
    [{ AWS_ACCESS_KEY_ID: 'AKIA' }, true],
    [{ AWS_PROFILE: 'prod' }, true],
    [{ AWS_ENDPOINT_URL: '' }, false],
  ])('awsConfigured(%p) is %p', (env, expected) => {
    expect(awsConfigured(env)).toBe(expected);
  });

  it('uses the outbox for email and SMS without AWS, and SES/SNS with it; webhook, Slack and Pushover always go out over HTTP', () => {
    const base = { outboxDir: '/tmp/outbox', webhookSecret: 's', from: 'a@b.c' };
    const local = createChannelSet(base);
    expect([local.email.name, local.sms.name, local.webhook.name, local.slack.name, local.pushover.name]).toEqual(['outbox', 'outbox', 'webhook', 'slack', 'pushover']);
    const aws = createChannelSet({ ...base, aws: createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1' }) });
    expect([aws.email.name, aws.sms.name, aws.webhook.name, aws.slack.name, aws.pushover.name]).toEqual(['email', 'sms', 'webhook', 'slack', 'pushover']);
  });
});
