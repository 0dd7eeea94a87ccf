import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CallwatchError } from '@callwatch/core';
import type { Channel, OutboundMessage, SendResult } from './channel';
import { mapAwsError } from './aws-errors';

/** SmsType is SNS's routing of an SMS: for reliability (Transactional) or for cost (Promotional). */
export type SmsType = 'Transactional' | 'Promotional';

/** SnsSmsOptions configure the SNS SMS channel. */
export interface SnsSmsOptions {
  client: SNSClient;
  /** Transactional unless said otherwise: alerts are time-critical. */
  type?: SmsType;
  /** Alphanumeric sender id where the destination country supports one. */
  senderId?: string;
}

const E164 = /^\+[1-9]\d{1,14}$/;

/** createSnsSmsChannel publishes the SMS body straight to a phone number (E.164), transactional unless configured otherwise. */
export function createSnsSmsChannel({ client, senderId, type = 'Transactional' }: SnsSmsOptions): Channel {
  return {
    name: 'sms',
    async send(message: OutboundMessage): Promise<SendResult> {
      // Checked here because SNS's own answer to a bad number is a 400 that tells less.
      if (!E164.test(message.recipient)) {
        throw new CallwatchError('CW_ERR_DELIVERY_REJECTED', `SNS: "${message.recipient}" is not an E.164 phone number`, { details: { recipient: message.recipient } });
      }
      const command = new PublishCommand({
        PhoneNumber: message.recipient,
        Message: message.sms,
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: type },
          ...(senderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: senderId } } : {}),
        },
      });
      try {
        const result = await client.send(command);
        return { messageId: result.MessageId ?? '' };
      } catch (err) {
        throw mapAwsError(err, 'SNS');
      }
    },
  };
}
