import { CreateEmailIdentityCommand, SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Channel, OutboundMessage, SendResult } from './channel';
import { mapAwsError } from './aws-errors';
import { buildEml, emailMessageId } from './eml';

/** SesEmailOptions configure the SES email channel: the client and the verified sender address. */
export interface SesEmailOptions {
  client: SESv2Client;
  /** `alerts@example.net` or `Callwatch <alerts@example.net>`; must be a verified SES identity. */
  from: string;
  configurationSetName?: string;
}

/** senderAddress extracts the bare address from a From value such as `Callwatch <alerts@example.net>`. */
export function senderAddress(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1]?.trim() ?? from.trim();
}

/** ensureSenderVerified creates the sender's SES identity (moto and sandbox accounts refuse unverified senders); an existing one is fine. */
export async function ensureSenderVerified(client: SESv2Client, from: string): Promise<void> {
  try {
    await client.send(new CreateEmailIdentityCommand({ EmailIdentity: senderAddress(from) }));
  } catch (err) {
    if ((err as { name?: string }).name === 'AlreadyExistsException') return;
    throw mapAwsError(err, 'SES');
  }
}

/**
 * createSesEmailChannel sends each email as the raw MIME the outbox writes (SES's "simple" content can carry neither
 * inline images nor our Message-ID): multipart/alternative, its html multipart/related with the images.
 */
export function createSesEmailChannel({ client, from, configurationSetName }: SesEmailOptions): Channel {
  return {
    name: 'email',
    async send(message: OutboundMessage): Promise<SendResult> {
      const raw = buildEml({
        from,
        to: message.recipient,
        subject: message.subject,
        text: message.text,
        html: message.html,
        date: new Date(),
        messageId: emailMessageId(message.deliveryId, message.channel, message.recipient, from),
        headers: { 'X-Callwatch-Event-Id': message.alert.event_id },
        ...(message.images ? { images: message.images } : {}),
      });
      const command = new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: [message.recipient] },
        Content: { Raw: { Data: Buffer.from(raw, 'utf8') } },
        EmailTags: [{ Name: 'alert_event_id', Value: tagValue(message.alert.event_id) }],
        ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
      });
      try {
        const result = await client.send(command);
        return { messageId: result.MessageId ?? '' };
      } catch (err) {
        throw mapAwsError(err, 'SES');
      }
    },
  };
}

// SES tag values allow only ASCII letters, digits, _ and -, up to 256 characters.
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) || '_';
}
