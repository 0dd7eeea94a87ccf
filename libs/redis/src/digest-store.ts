import type { Redis } from './client';
import type { RedisKeys } from './keys';
import { LUA_DIR, loadScripts } from './scripts';

/** DigestClaim is a due digest group claimed by one flusher: its description and the alerts waiting in it, by event id. */
export interface DigestClaim {
  groupId: string;
  info: string;
  members: Map<string, string>;
}

/** DIGEST_REMEMBER_MS is how long a digest group remembers the alerts it sent: far longer than any redelivery. */
export const DIGEST_REMEMBER_MS = 7 * 24 * 3_600_000;

type Script = (...args: Array<string | number>) => Promise<unknown>;

/**
 * DigestStore keeps notification digests in Redis (see addToDigest-4.lua, claimDigest-3.lua, completeDigest-4.lua):
 * alerts wait in their group until it is due, so they survive a restart of the notifier, and any notifier may send
 * a due group, one at a time.
 */
export class DigestStore {
  private readonly scripts: { addToDigest: Script; claimDigest: Script; completeDigest: Script };

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    loadScripts(redis, LUA_DIR);
    this.scripts = redis as unknown as DigestStore['scripts'];
  }

  /** add puts an alert in its group (created with `info` and due after `waitMs` when new); false when it was already waiting or sent. */
  async add(groupId: string, info: string, waitMs: number, eventId: string, payload: string, nowMs: number): Promise<boolean> {
    const k = this.keys;
    const added = await this.scripts.addToDigest(
      k.digestMeta(groupId), k.digestMembers(groupId), k.digestSent(groupId), k.digestsDue(),
      nowMs, groupId, waitMs, eventId, payload, info,
    );
    return added === 1;
  }

  /** due lists the groups due at `nowMs`, soonest first. */
  async due(nowMs: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.digestsDue(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  /** claim takes a due group for `leaseMs`; null when it is not due, another flusher holds it, or it is empty. */
  async claim(groupId: string, nowMs: number, leaseMs: number): Promise<DigestClaim | null> {
    const k = this.keys;
    const reply = await this.scripts.claimDigest(k.digestMeta(groupId), k.digestMembers(groupId), k.digestsDue(), nowMs, leaseMs, groupId);
    if (!Array.isArray(reply)) return null;
    const [info, ...pairs] = reply as string[];
    const members = new Map<string, string>();
    for (let i = 0; i + 1 < pairs.length; i += 2) members.set(pairs[i] as string, pairs[i + 1] as string);
    return { groupId, info: info ?? '{}', members };
  }

  /** complete ends a claimed flush that sent `eventIds`: the group's next digest comes `intervalMs` later. Returns the alerts still waiting. */
  async complete(groupId: string, eventIds: string[], intervalMs: number, nowMs: number): Promise<number> {
    return this.finish(groupId, true, intervalMs, eventIds, nowMs);
  }

  /** fail ends a claimed flush that sent nothing: the group is due again after `retryMs`, its alerts kept. */
  async fail(groupId: string, retryMs: number, nowMs: number): Promise<void> {
    await this.finish(groupId, false, retryMs, [], nowMs);
  }

  private async finish(groupId: string, sent: boolean, stepMs: number, eventIds: string[], nowMs: number): Promise<number> {
    const k = this.keys;
    return Number(await this.scripts.completeDigest(
      k.digestMeta(groupId), k.digestMembers(groupId), k.digestSent(groupId), k.digestsDue(),
      nowMs, groupId, stepMs, sent ? '1' : '0', DIGEST_REMEMBER_MS, ...eventIds,
    ));
  }
}
