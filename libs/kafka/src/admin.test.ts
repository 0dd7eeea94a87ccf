import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { retriableWithin } from './admin';

describe('retriableWithin', () => {
  it('retries what KafkaJS gave up on after its own retries when the cause may still succeed (a leader election)', () => {
    const election = new KafkaJSProtocolError('There is no leader for this topic-partition as we are in the middle of a leadership election', { retriable: true });
    expect(retriableWithin(election)).toBe(true);
    expect(retriableWithin(new KafkaJSNonRetriableError(election, { cause: election }))).toBe(true);
  });

  it('does not retry what cannot succeed', () => {
    const denied = new KafkaJSProtocolError('Topic authorization failed', { retriable: false });
    expect(retriableWithin(new KafkaJSNonRetriableError(denied, { cause: denied }))).toBe(false);
    expect(retriableWithin(new Error('plain'))).toBe(false);
    expect(retriableWithin(null)).toBe(false);
  });
});
