import { CallwatchError, parseDuration } from '@callwatch/core';
import type { Silence } from '@callwatch/schemas';
import { silenceState } from './silence';

/** SilenceInput is what a person gives for a new silence, as text: what it matches and when it holds. */
export interface SilenceInput {
  rule?: string | undefined;
  entity?: string | undefined;
  /** when it ends: an ISO time, or a duration from now (2h) */
  until?: string | undefined;
  /** when it starts: an ISO time, or a duration from now (default: now) */
  from?: string | undefined;
  comment?: string | undefined;
}

/** SilenceLabels name each input the way its caller shows it (`--until` on the command line, `duration` in an API body). */
export type SilenceLabels = Record<'rule' | 'entity' | 'until' | 'from', string>;

/** CLI_SILENCE_LABELS are the flags of `callwatch silence add`. */
export const CLI_SILENCE_LABELS: SilenceLabels = { rule: '--rule', entity: '--entity', until: '--until', from: '--from' };

const invalid = (message: string) => new CallwatchError('CW_ERR_SILENCE_INVALID', message);

// Rule ids are slugs (libs/rules); a rule pattern may add the glob wildcards.
const RULE_PATTERN = /^[a-z0-9_*?-]+$/;
const ENTITY_KINDS = ['customer:', 'carrier:'];

/** parseSilenceTime reads a time: an ISO 8601 time, or a duration (2h, 30m) counted from `now`. */
export function parseSilenceTime(label: string, input: string, now: number): number {
  const text = input.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  } else {
    try {
      return now + parseDuration(text);
    } catch {
      // Neither form: the message below names both.
    }
  }
  throw invalid(`${label}: expected an ISO time such as 2024-05-01T14:30:00Z or a duration from now such as 2h, got "${input}"`);
}

function checkRule(label: string, rule: string): string {
  if (!RULE_PATTERN.test(rule)) throw invalid(`${label}: expected a rule id or a glob of one (a-z, 0-9, -, _ and the wildcards * and ?) such as low-asr*, got "${rule}"`);
  return rule;
}

function checkEntity(label: string, entity: string): string {
  const wildcard = entity.search(/[*?]/);
  // Without wildcards it must be an entity; with them, its fixed start must still allow customer:… or carrier:….
  const fixed = wildcard < 0 ? entity : entity.slice(0, wildcard);
  const kind = ENTITY_KINDS.find((k) => fixed.startsWith(k));
  const possible = wildcard < 0 ? kind !== undefined && fixed.length > kind.length : kind !== undefined || ENTITY_KINDS.some((k) => k.startsWith(fixed));
  if (!possible || /\s/.test(entity)) throw invalid(`${label}: expected customer:<id>, carrier:<id> or a glob such as customer:*, got "${entity}"`);
  return entity;
}

/**
 * buildSilence validates a new silence and makes it: a rule, an entity or both, an end after the start (default now)
 * and after now; each problem is a CW_ERR_SILENCE_INVALID naming its input as `labels` call it.
 */
export function buildSilence(input: SilenceInput, { id, by, now, labels = CLI_SILENCE_LABELS }: { id: string; by: string; now: number; labels?: SilenceLabels }): Silence {
  const rule = input.rule === undefined ? null : checkRule(labels.rule, input.rule.trim());
  const entity = input.entity === undefined ? null : checkEntity(labels.entity, input.entity.trim());
  if (rule === null && entity === null) {
    throw invalid(`give ${labels.rule}, ${labels.entity} or both: a silence mutes the notifications of matching rules and entities, and one of everything is not allowed`);
  }
  if (input.until === undefined) throw invalid(`${labels.until} is required: an ISO time or a duration from now such as 2h`);
  const startsAt = input.from === undefined ? now : parseSilenceTime(labels.from, input.from, now);
  const endsAt = parseSilenceTime(labels.until, input.until, now);
  if (endsAt <= startsAt) throw invalid(`${labels.until}: ${new Date(endsAt).toISOString()} is not after ${labels.from} ${new Date(startsAt).toISOString()}`);
  if (endsAt <= now) throw invalid(`${labels.until}: ${new Date(endsAt).toISOString()} has already passed`);
  return {
    silence_id: id, rule, entity, starts_at_ms: startsAt, ends_at_ms: endsAt, comment: input.comment ?? '', created_by: by, created_at_ms: now, expired_by: null,
  };
}

/**
 * expiredSilence is the silence ended now by `by`: the record that replaces it on the silence topic; null when it is
 * already over (it is left as it is).
 */
export function expiredSilence(silence: Silence, by: string, now: number): Silence | null {
  return silenceState(silence, now) === 'expired' ? null : { ...silence, ends_at_ms: now, expired_by: by };
}
