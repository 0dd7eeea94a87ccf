import { env, parsers } from '@callwatch/core';

/** NOTIFY_ENV says where notifications go and how they are sent; the notifier and `callwatch rules test --send` share it. */
export const NOTIFY_ENV = {
  NOTIFY_EMAIL_FROM: env(parsers.string, 'sender address of alert emails (verified in SES)', 'alerts@callwatch.local'),
  NOTIFY_OUTBOX_DIR: env(parsers.string, 'folder for rendered emails and SMS when no AWS endpoint or credentials are configured', 'outbox'),
  NOTIFY_RETRIES: env(parsers.int, 'retries of a temporary delivery failure before it is recorded as failed', 5),
  NOTIFY_TRANSPORT: env(parsers.oneOf('auto', 'aws', 'outbox'), 'where email and SMS go: aws (SES/SNS), outbox (files), or auto (aws when an AWS endpoint or credentials are configured)', 'auto'),
  AWS_ENDPOINT_URL: env(parsers.string, 'SES/SNS endpoint (moto locally); empty uses AWS itself', ''),
  AWS_REGION: env(parsers.string, 'AWS region of SES and SNS', 'us-east-1'),
  AWS_ACCESS_KEY_ID: env(parsers.string, 'AWS access key; with neither it nor AWS_ENDPOINT_URL set, notifications go to the outbox', ''),
  WEBHOOK_SECRET: env(parsers.string, 'HMAC-SHA256 key that signs webhook bodies (x-callwatch-signature)', ''),
};
