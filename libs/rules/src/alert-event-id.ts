import { createHash } from 'node:crypto';

/**
 * alertEventId is the deterministic id of an alert event: the SHA-1 hex of `rule|entity|type|at_ms`. The same
 * transition decided again (redelivery, restart, replay) gets the same id, so the notifier and recorder dedup it;
 * hashing keeps it a fixed 40 characters whatever the entity id holds, safe as a Redis key or message header.
 */
export function alertEventId(ruleId: string, entity: string, type: 'fired' | 'repeated' | 'reset', atMs: number): string {
  return createHash('sha1').update(`${ruleId}|${entity}|${type}|${atMs}`).digest('hex');
}
