import type { ConfigOf } from '@callwatch/core';
import { createAwsClients } from './channels/aws-clients';
import { awsConfigured, createChannelSet, type ChannelSet } from './channels/channel-set';
import { ensureSenderVerified } from './channels/ses-email';
import type { NOTIFY_ENV } from './config';

/** NotifyConfig is the parsed NOTIFY_ENV. */
export type NotifyConfig = ConfigOf<typeof NOTIFY_ENV>;

/** Transport is where email and SMS go: SES/SNS (`aws`) or files (`outbox`); webhooks, Slack and Pushover always go out over HTTP. */
export type Transport = 'aws' | 'outbox';

/** chooseTransport resolves NOTIFY_TRANSPORT: `auto` is aws when the config or `env` names an AWS endpoint or credentials, else the outbox. */
export function chooseTransport(config: NotifyConfig, env: NodeJS.ProcessEnv = process.env): Transport {
  if (config.NOTIFY_TRANSPORT !== 'auto') return config.NOTIFY_TRANSPORT;
  return config.AWS_ENDPOINT_URL || config.AWS_ACCESS_KEY_ID || awsConfigured(env) ? 'aws' : 'outbox';
}

/** openChannels builds the channels of the configured transport, the same for the notifier and the CLI. */
export async function openChannels(config: NotifyConfig, env: NodeJS.ProcessEnv = process.env): Promise<{ transport: Transport; channels: ChannelSet }> {
  const transport = chooseTransport(config, env);
  const aws = transport === 'aws' ? createAwsClients({ region: config.AWS_REGION, ...(config.AWS_ENDPOINT_URL ? { endpoint: config.AWS_ENDPOINT_URL } : {}) }) : undefined;
  // Against a local SES (moto) we verify the sender ourselves; in real SES that is an admin's one-time step.
  if (aws && config.AWS_ENDPOINT_URL) await ensureSenderVerified(aws.ses, config.NOTIFY_EMAIL_FROM);
  const channels = createChannelSet({
    outboxDir: config.NOTIFY_OUTBOX_DIR,
    webhookSecret: config.WEBHOOK_SECRET,
    from: config.NOTIFY_EMAIL_FROM,
    ...(aws ? { aws } : {}),
    sms: { senderId: config.NOTIFY_SMS_SENDER_ID, type: config.NOTIFY_SMS_TYPE },
    http: { timeoutMs: config.NOTIFY_WEBHOOK_TIMEOUT_MS, maxResponseBytes: config.NOTIFY_WEBHOOK_MAX_RESPONSE_BYTES },
    allowTargets: config.NOTIFY_ALLOW_TARGETS,
    pushover: {
      token: config.PUSHOVER_TOKEN,
      apiUrl: config.PUSHOVER_API_URL,
      emergencyRetryS: config.PUSHOVER_EMERGENCY_RETRY_S,
      emergencyExpireS: config.PUSHOVER_EMERGENCY_EXPIRE_S,
    },
  });
  return { transport, channels };
}
