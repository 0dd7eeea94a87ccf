import { KafkaJSConnectionError } from 'kafkajs';
import { CallwatchError } from '@callwatch/core';
import { groupMembershipError } from './consumer';

// KafkaJS's own protocol errors, as a broker's error code becomes one (25: UNKNOWN_MEMBER_ID, 22: ILLEGAL_GENERATION).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };

describe('groupMembershipError', () => {
  it('finds a lost membership in the error or any of its causes, for KafkaJS to rejoin the group', () => {
    const unknownMember = createErrorFromCode(25);
    expect(groupMembershipError(unknownMember)).toBe(unknownMember);
    const wrapped = new CallwatchError('CW_ERR_BATCH_FAILED', 'window update failed', { cause: new Error('heartbeat', { cause: unknownMember }) });
    expect(groupMembershipError(wrapped)).toBe(unknownMember);
    expect(groupMembershipError(createErrorFromCode(22))).toMatchObject({ type: 'ILLEGAL_GENERATION' });
  });

  it('leaves every other failure to the batch retry', () => {
    expect(groupMembershipError(new KafkaJSConnectionError('connection refused'))).toBeUndefined();
    expect(groupMembershipError(new Error('Redis is away'))).toBeUndefined();
    expect(groupMembershipError('not an error')).toBeUndefined();
  });
});
