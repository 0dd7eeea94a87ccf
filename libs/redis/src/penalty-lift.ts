import { CallwatchError } from '@callwatch/core';
import { enableAction } from '@callwatch/rules';
import type { Action } from '@callwatch/schemas';
import type { PenaltyStore } from './penalty-store';

/** LiftOptions say who lifts a penalty and why, who claims its end, and how the `enable` action is published. */
export interface LiftOptions {
  by: string;
  reason?: string | undefined;
  /** the claim's owner: unique to this caller (`cli-<user>-<pid>`, `console-<host>-<pid>`) */
  owner: string;
  publish: (action: Action) => Promise<void>;
  now?: number;
}

/**
 * liftPenalty ends an entity's penalty now and publishes its `enable` action, with who lifted it and why. It claims the
 * penalty the way an enforcer's expiry does, so a lift racing an expiry publishes one `enable`; an entity with no
 * active penalty (or one an enforcer is ending right now) is a CW_ERR_NO_PENALTY.
 */
export async function liftPenalty(store: PenaltyStore, entity: string, { by, reason, owner, publish, now = Date.now() }: LiftOptions): Promise<Action> {
  const penalty = await store.claim(entity, owner, now, true);
  if (!penalty) throw new CallwatchError('CW_ERR_NO_PENALTY', `${entity} has no active penalty (or an enforcer is ending it right now)`);
  const action = enableAction(entity, penalty, now, `lifted by ${by}${reason ? `: ${reason}` : ''}`);
  await publish(action);
  await store.end(entity, owner, penalty);
  return action;
}
