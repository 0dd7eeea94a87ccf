import type { AlertEvent } from '@callwatch/schemas';

/**
 * supersededRepeats finds the `repeated` alert events of a batch that a later event of the same rule and entity in
 * the same batch makes stale, mapped to the newest such event. After an evaluator outage every missed repeat
 * arrives at once; the person needs the newest state of the alert, not one "still firing" per missed hour. Fired
 * and reset events are never superseded: each is a transition somebody must hear of.
 */
export function supersededRepeats(alerts: readonly AlertEvent[]): Map<string, string> {
  const newest = new Map<string, string>();
  const superseded = new Map<string, string>();
  for (let i = alerts.length - 1; i >= 0; i--) {
    const alert = alerts[i] as AlertEvent;
    const key = `${alert.rule_id}\u0000${alert.entity}`;
    const later = newest.get(key);
    if (later === undefined) newest.set(key, alert.event_id);
    else if (alert.type === 'repeated') superseded.set(alert.event_id, later);
  }
  return superseded;
}

/** supersededReason explains a skipped repeat: which later event of the same alert carried the news instead. */
export function supersededReason(laterEventId: string): string {
  return `superseded by a later notification of the same alert in the same batch (event ${laterEventId})`;
}
