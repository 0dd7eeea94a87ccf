import type { AlertEvent, DeliveryChannel, Notification, Silence } from '@callwatch/schemas';
import { skippedNotification } from './notification-record';

// Silences are judged at the wall clock of delivery, not at the alert's event time (`at_ms`), as Alertmanager
// does: a silence says "tell nobody about this now". An alert that fired before a silence was added but is
// delivered while it holds (a backlog, a notifier catching up) stays quiet, and expiring a silence makes the
// very next alert go out, whatever event time it carries.

/** SilenceState is where a silence is in its time range at some moment: not started, muting, or over. */
export type SilenceState = 'pending' | 'active' | 'expired';

/** silenceState places `now` in a silence's range: starts_at_ms is inclusive, ends_at_ms exclusive. */
export function silenceState(silence: Pick<Silence, 'starts_at_ms' | 'ends_at_ms'>, now: number): SilenceState {
  // An expired pending silence (ends before it starts) is over, not pending.
  if (now >= silence.ends_at_ms) return 'expired';
  return now < silence.starts_at_ms ? 'pending' : 'active';
}

/** globMatches tells whether `value` matches `pattern`, where `*` stands for any run of characters (none too) and `?` for one. */
export function globMatches(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

// A null pattern matches everything.
function matches(pattern: string | null, value: string): boolean {
  return pattern === null || globMatches(pattern, value);
}

/** silenceMutes tells whether a silence mutes an alert at wall-clock `now`; test alerts are never muted. */
export function silenceMutes(silence: Silence, alert: Pick<AlertEvent, 'rule_id' | 'entity' | 'test'>, now: number): boolean {
  return !alert.test && silenceState(silence, now) === 'active' && matches(silence.rule, alert.rule_id) && matches(silence.entity, alert.entity);
}

/** Silencer answers which of the current silences (a live table, read at each call) mutes an alert. */
export class Silencer {
  constructor(private readonly silences: { values(): Iterable<Silence> }) {}

  /** mutes returns the silence that mutes the alert at `now`, the one that ends last when several do, else null. */
  mutes(alert: Pick<AlertEvent, 'rule_id' | 'entity' | 'test'>, now: number): Silence | null {
    let found: Silence | null = null;
    for (const silence of this.silences.values()) {
      if (!silenceMutes(silence, alert, now)) continue;
      if (!found || silence.ends_at_ms > found.ends_at_ms || (silence.ends_at_ms === found.ends_at_ms && silence.silence_id < found.silence_id)) found = silence;
    }
    return found;
  }
}

/**
 * silencedNotification records that an alert was not delivered to a recipient because a silence muted it:
 * status `skipped`, attempt 0 (nothing was tried, so its id never collides with a real attempt's).
 */
export function silencedNotification(alert: AlertEvent, channel: DeliveryChannel, recipient: string, silence: Silence, now: number): Notification {
  return skippedNotification(alert, channel, recipient, `silenced by ${silence.silence_id} until ${new Date(silence.ends_at_ms).toISOString()}`, now);
}
