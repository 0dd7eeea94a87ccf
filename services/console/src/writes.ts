import { randomUUID } from 'node:crypto';
import { CallwatchError, parseEntity } from '@callwatch/core';
import type { Runtime } from '@callwatch/kafka';
import { buildSilence, expiredSilence, type SilenceLabels } from '@callwatch/notify';
import { liftPenalty, type PenaltyStore } from '@callwatch/redis';
import { toggledRule } from '@callwatch/rules';
import type { Action } from '@callwatch/schemas';
import { ApiError } from './api-error';
import type { RuleRow, SilenceRow } from './api-types';
import { silenceRow, type ViewModel } from './view-model';

// The API body's names for what `callwatch silence add` calls --rule, --entity, --until and --from.
const API_SILENCE_LABELS: SilenceLabels = { rule: 'rule', entity: 'entity', until: 'duration (or ends_at_ms)', from: 'starts_at_ms' };

/** WriteContext is what the console's changes need: where to publish, the penalty store, and the model to update at once. */
export interface WriteContext {
  runtime: Pick<Runtime, 'publisher' | 'topics'>;
  penalties: PenaltyStore;
  model: ViewModel;
  /** who claims a penalty's end when the console lifts it */
  owner: string;
}

const text = (body: Record<string, unknown>, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ApiError(400, `${field}: expected a string, got ${JSON.stringify(value)}`);
  return value;
};

const time = (body: Record<string, unknown>, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new ApiError(400, `${field}: expected epoch milliseconds, got ${JSON.stringify(value)}`);
  return new Date(value).toISOString();
};

/** who names the person behind a change: the body's `by`, else "console". */
function who(body: Record<string, unknown>): string {
  return (text(body, 'by') ?? '').trim() || 'console';
}

// Library refusals of what the caller asked are the caller's mistake (400); anything else is the console's.
function refused(err: unknown): never {
  if (err instanceof CallwatchError && err.code === 'CW_ERR_SILENCE_INVALID') throw new ApiError(400, err.message);
  if (err instanceof CallwatchError && err.code === 'CW_ERR_NO_PENALTY') throw new ApiError(409, err.message);
  throw err;
}

/**
 * addSilence publishes a new silence to the silence topic as `callwatch silence add` does: body { rule?, entity?,
 * duration: "1h" | ends_at_ms, starts_at_ms?, comment?, by? }.
 */
export async function addSilence(ctx: WriteContext, body: Record<string, unknown>, now: number): Promise<SilenceRow> {
  const duration = text(body, 'duration');
  const endsAt = time(body, 'ends_at_ms');
  if (duration !== undefined && endsAt !== undefined) throw new ApiError(400, 'give duration or ends_at_ms, not both');
  let silence;
  try {
    silence = buildSilence(
      { rule: text(body, 'rule'), entity: text(body, 'entity'), until: duration ?? endsAt, from: time(body, 'starts_at_ms'), comment: text(body, 'comment') },
      { id: randomUUID(), by: who(body), now, labels: API_SILENCE_LABELS },
    );
  } catch (err) {
    refused(err);
  }
  const { publisher, topics } = ctx.runtime;
  await publisher.publish(topics.silence, 'silence', [{ key: silence.silence_id, value: silence }]);
  ctx.model.apply({ kind: 'silence', id: silence.silence_id, silence }, now);
  return silenceRow(silence, now);
}

/** expireSilence ends a silence now, as `callwatch silence expire` does (404 unknown, 409 already over). */
export async function expireSilence(ctx: WriteContext, id: string, body: Record<string, unknown>, now: number): Promise<SilenceRow> {
  const silence = ctx.model.silence(id);
  if (!silence) throw new ApiError(404, `no such silence on ${ctx.runtime.topics.silence}: ${id}`);
  const ended = expiredSilence(silence, who(body), now);
  if (!ended) throw new ApiError(409, `silence ${id} is already over (it ended at ${new Date(silence.ends_at_ms).toISOString()})`);
  const { publisher, topics } = ctx.runtime;
  await publisher.publish(topics.silence, 'silence', [{ key: id, value: ended }]);
  ctx.model.apply({ kind: 'silence', id, silence: ended }, now);
  return silenceRow(ended, now);
}

/** liftEntityPenalty ends an entity's penalty now and publishes its `enable`, as `callwatch penalties lift` does. */
export async function liftEntityPenalty(ctx: WriteContext, entity: string, body: Record<string, unknown>, now: number): Promise<{ action: Action }> {
  try {
    parseEntity(entity);
  } catch (err) {
    throw new ApiError(400, `entity: ${(err as Error).message}`);
  }
  const { publisher, topics } = ctx.runtime;
  const publish = (action: Action) => publisher.publish(topics.action, 'action', [{ key: entity, value: action }]);
  let action: Action;
  try {
    action = await liftPenalty(ctx.penalties, entity, { by: who(body), reason: text(body, 'reason'), owner: ctx.owner, publish, now });
  } catch (err) {
    refused(err);
  }
  ctx.model.apply({ kind: 'action', action }, now);
  return { action };
}

/** setRuleEnabled re-publishes a rule with its enabled flag changed, as `callwatch rules enable|disable` do. */
export async function setRuleEnabled(ctx: WriteContext, id: string, enabled: boolean, body: Record<string, unknown>, now: number): Promise<RuleRow> {
  const rule = ctx.model.rule(id);
  if (!rule) throw new ApiError(404, `no such rule on ${ctx.runtime.topics.rule}: ${id}`);
  const toggled = toggledRule(rule, enabled, who(body), now);
  if (toggled) {
    await ctx.runtime.publisher.publish(ctx.runtime.topics.rule, 'rule', [{ key: id, value: toggled }]);
    ctx.model.apply({ kind: 'rule', id, rule: toggled }, now);
  }
  return ctx.model.ruleRows().find((r) => r.id === id) as RuleRow;
}
