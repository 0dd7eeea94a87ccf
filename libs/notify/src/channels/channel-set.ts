import type { RecipientChannel } from '../recipients';
import type { AwsClients } from './aws-clients';
import type { Channel } from './channel';
import type { HttpLimits } from './http-post';
import { createOutboxChannel } from './outbox';
import { createPushoverChannel, type PushoverOptions } from './pushover';
import { createSesEmailChannel } from './ses-email';
import { createSlackChannel } from './slack';
import { createSnsSmsChannel, type SmsType } from './sns-sms';
import { createTargetGuard } from './target-guard';
import { createWebhookChannel } from './webhook';

/** ChannelSet is the channel that serves each kind of recipient. */
export type ChannelSet = Readonly<Record<RecipientChannel, Channel>>;

/** ChannelSetOptions say where notifications go: AWS when clients are given, else the outbox directory; and how HTTP channels behave. */
export interface ChannelSetOptions {
  outboxDir: string;
  webhookSecret: string;
  /** Email From; for SES it must be a verified identity (see ensureSenderVerified). */
  from: string;
  aws?: AwsClients;
  /** SNS SMS settings: the sender id (empty: none) and the SMS type. */
  sms?: { senderId: string; type: SmsType };
  /** Timeout and answer cap of webhook, Slack and Pushover requests. */
  http?: Partial<HttpLimits>;
  /** NOTIFY_ALLOW_TARGETS: what webhook and Slack URLs may reach although the target guard would refuse it. */
  allowTargets?: readonly string[];
  pushover?: Omit<PushoverOptions, keyof HttpLimits>;
}

/** awsConfigured tells whether the environment names an AWS endpoint or credentials; without them the outbox is the default. */
export function awsConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_ENDPOINT_URL || env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
}

/** createChannelSet assembles the channels: SES and SNS with AWS, the outbox for both without; webhooks, Slack and Pushover always go out over HTTP. */
export function createChannelSet({ outboxDir, webhookSecret, from, aws, sms = { senderId: '', type: 'Transactional' }, http = {}, allowTargets = [], pushover = { token: '' } }: ChannelSetOptions): ChannelSet {
  const outbox = createOutboxChannel({ dir: outboxDir, from });
  const guard = createTargetGuard(allowTargets);
  return {
    email: aws ? createSesEmailChannel({ client: aws.ses, from }) : outbox,
    sms: aws ? createSnsSmsChannel({ client: aws.sns, type: sms.type, ...(sms.senderId ? { senderId: sms.senderId } : {}) }) : outbox,
    webhook: createWebhookChannel({ secret: webhookSecret, guard, ...http }),
    slack: createSlackChannel({ guard, ...http }),
    pushover: createPushoverChannel({ ...pushover, ...http }),
  };
}
