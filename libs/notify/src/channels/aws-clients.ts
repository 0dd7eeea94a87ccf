import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';

/** AwsClientOptions points the AWS clients at real AWS (no endpoint) or at a local stand-in such as moto. */
export interface AwsClientOptions {
  region: string;
  /** e.g. http://127.0.0.1:25500 for moto; unset for real AWS. */
  endpoint?: string;
  /** Defaults to the SDK credential chain for real AWS, and to dummy keys when an endpoint is set. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** AwsClients are the SES and SNS clients the email and SMS channels send through. */
export interface AwsClients {
  ses: SESv2Client;
  sns: SNSClient;
}

/** createAwsClients builds the SES v2 and SNS clients; the SDK's own retries are off because deliver() retries and records each attempt. */
export function createAwsClients({ region, endpoint, credentials }: AwsClientOptions): AwsClients {
  const config = {
    region,
    maxAttempts: 1,
    ...(endpoint ? { endpoint, credentials: credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' } } : {}),
    ...(!endpoint && credentials ? { credentials } : {}),
  };
  return { ses: new SESv2Client(config), sns: new SNSClient(config) };
}
