import { entityKey } from '@callwatch/core';
import type { Batch, Publisher, TopicNames } from '@callwatch/kafka';
import { entityOf, validateEvent, type CountedEvent, type PositionedEvent, type Side } from '@callwatch/windows';

/** Input is the type of an event the aggregator reads. */
export type Input = CountedEvent['type'];

/** SIDES lists each consumer group of the aggregator: the topics it reads, and the group id's suffix. */
export const SIDES: Record<Side, { suffix: string; topics: Array<[keyof TopicNames, Input]> }> = {
  customer: { suffix: '', topics: [['cdr', 'cdr'], ['callStart', 'call_start']] },
  carrier: { suffix: '-carrier', topics: [['cdrByCarrier', 'cdr'], ['callStartByCarrier', 'call_start']] },
  billing: { suffix: '-billing', topics: [['payment', 'payment'], ['account', 'account']] },
};

/**
 * validEvents tags each decoded message of a batch with its type and keeps the valid ones; an invalid one goes to the
 * batch's dead-letter topic with its reason. The carrier side's events were validated on the customer side.
 */
export function validEvents(side: Side, type: Input, batch: Batch<unknown>): PositionedEvent[] {
  const valid: PositionedEvent[] = [];
  for (const message of batch.messages) {
    // Tagged in place: a copy of every decoded event was a fifth of what the aggregator allocated.
    const event = message.value as CountedEvent;
    event.type = type;
    const problem = side === 'carrier' ? null : validateEvent(event);
    if (problem) batch.reject(message, problem);
    else valid.push({ offset: Number(message.offset), event, bytes: message.bytes, entity: entityOf(side, event) });
  }
  return valid;
}

/**
 * repartition re-publishes every valid CDR and call start with a carrier keyed by its carrier, so that the carrier's
 * partition has one writer too (a Kafka Streams-style repartition topic); also on redelivery, as the carrier side
 * drops a copy it has by id. The bytes go on as they came (same schema id, no re-encoding).
 */
export async function repartition(publisher: Publisher, topic: string, events: PositionedEvent[]): Promise<void> {
  const copies: Array<{ key: string; value: Buffer; headers: Record<string, string> }> = [];
  for (const { event, bytes } of events) {
    const carrier = event.type === 'cdr' || event.type === 'call_start' ? event.carrier_id : null;
    if (carrier !== null && bytes) copies.push({ key: entityKey('carrier', carrier), value: bytes, headers: {} });
  }
  await publisher.publishRaw(topic, copies);
}
