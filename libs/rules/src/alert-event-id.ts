import { createHash } from 'node:crypto';
import type { AlertEventType } from '@callwatch/schemas';

/**
 * alertEventId is the deterministic id of an alert event: the SHA-1 hex of `rule|entity|type|at_ms`. The same
 * transition decided again (redelivery, restart, replay) gets the same id, so the notifier and recorder dedup it;
 * hashing keeps it a fixed 40 characters whatever the entity id holds, safe as a Redis key or message header. A
 * `report` is identified by its tick, so a report re-sent after a crash carries the id of the first copy.
 */
export function alertEventId(ruleId: string, entity: string, type: AlertEventType, atMs: number): string {
  return createHash('sha1').update(`${ruleId}|${entity}|${type}|${atMs}`).digest('hex');
}

/**
 * orphanResetId is the id of the `reset` sent when a firing alert's rule no longer applies to its entity (deleted,
 * disabled or out of scope): the SHA-1 hex of `rule|entity|reset|fired:<first_fired_at_ms>`. It names the firing
 * it closes rather than the snapshot that noticed it, because a redelivery after a crash may notice it on an
 * earlier snapshot of the entity; it cannot equal the id of a reset decided on a value.
 */
export function orphanResetId(ruleId: string, entity: string, firstFiredAtMs: number): string {
  return createHash('sha1').update(`${ruleId}|${entity}|reset|fired:${firstFiredAtMs}`).digest('hex');
}
