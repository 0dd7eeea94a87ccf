import type { RecipientChannel } from '../recipients';
import type { AwsClients } from './aws-clients';
import type { Channel } from './channel';
import { createOutboxChannel } from './outbox';
import { createSesEmailChannel } from './ses-email';
import { createSnsSmsChannel } from './sns-sms';
import { createWebhookChannel } from './webhook';

/** ChannelSet is the channel that serves each kind of recipient. */
export type ChannelSet = Readonly<Record<RecipientChannel, Channel>>;

/** ChannelSetOptions say where notifications go: AWS when clients are given, else the outbox directory. */
export interface ChannelSetOptions {
  outboxDir: string;
  webhookSecret: string;
  /** Email From; for SES it must be a verified identity (see ensureSenderVerified). */
  from: string;
  aws?: AwsClients;
  smsSenderId?: string;
}

/** awsConfigured tells whether the environment names an AWS endpoint or credentials; without them the outbox is the default. */
export function awsConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_ENDPOINT_URL || env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
}

/** createChannelSet assembles the channels: SES and SNS with AWS, the outbox for both without; webhooks always go out. */
export function createChannelSet({ outboxDir, webhookSecret, from, aws, smsSenderId }: ChannelSetOptions): ChannelSet {
  const outbox = createOutboxChannel({ dir: outboxDir, from });
  return {
    email: aws ? createSesEmailChannel({ client: aws.ses, from }) : outbox,
    sms: aws ? createSnsSmsChannel({ client: aws.sns, ...(smsSenderId ? { senderId: smsSenderId } : {}) }) : outbox,
    webhook: createWebhookChannel({ secret: webhookSecret }),
  };
}
