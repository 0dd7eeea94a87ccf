import { CallwatchError } from '@callwatch/core';
import { mapAwsError } from './aws-errors';

const awsError = (name: string, status?: number, fault: 'client' | 'server' = 'client') =>
  Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: status === undefined ? {} : { httpStatusCode: status } });

describe('mapAwsError', () => {
  it.each([
    ['ThrottlingException', 400, 'CW_ERR_DELIVERY'],
    ['TooManyRequestsException', 429, 'CW_ERR_DELIVERY'],
    ['Throttling', 400, 'CW_ERR_DELIVERY'],
    ['InternalFailure', 500, 'CW_ERR_DELIVERY'],
    ['ServiceUnavailable', 503, 'CW_ERR_DELIVERY'],
    ['MessageRejected', 400, 'CW_ERR_DELIVERY_REJECTED'],
    ['MailFromDomainNotVerifiedException', 400, 'CW_ERR_DELIVERY_REJECTED'],
    ['InvalidParameter', 400, 'CW_ERR_DELIVERY_REJECTED'],
    ['AccessDeniedException', 403, 'CW_ERR_DELIVERY_REJECTED'],
  ])('maps %s (%d) to %s', (name, status, code) => {
    const mapped = mapAwsError(awsError(name, status), 'SES');
    expect(mapped.code).toBe(code);
    expect(mapped.retriable).toBe(code === 'CW_ERR_DELIVERY');
    expect(mapped.details).toMatchObject({ awsError: name, httpStatus: status });
  });

  it('treats network errors (no HTTP answer) as retriable and keeps the cause', () => {
    const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const mapped = mapAwsError(network, 'SNS');
    expect([mapped.code, mapped.retriable, mapped.cause]).toEqual(['CW_ERR_DELIVERY', true, network]);
  });

  it('passes our own errors through', () => {
    const ours = new CallwatchError('CW_ERR_DELIVERY_REJECTED', 'no');
    expect(mapAwsError(ours, 'SNS')).toBe(ours);
  });
});
