/**
 * RedisKeys builds every Redis key name of callwatch, in this one place. Every key of an entity carries the
 * entity as its hash tag (`{customer:acme}`) so all of it lives in one Redis Cluster slot and one Lua call can
 * touch it atomically.
 */
export class RedisKeys {
  constructor(private readonly prefix = 'cw:') {}

  /** entityMeta holds an entity's clock and the last offset applied per source partition. */
  entityMeta(entity: string): string {
    return `${this.prefix}{${entity}}:meta`;
  }

  /** entityWindows holds an entity's window buckets for every sample period (field `<periodMs>:<bucket>:<counter>`). */
  entityWindows(entity: string): string {
    return `${this.prefix}{${entity}}:win`;
  }

  /**
   * entitySeen holds the ids of an entity's counted events, to drop duplicates: one field per checkpoint that added
   * some (`<newest event ms>:<version>`), the ids' hashes in base 36, comma-separated.
   */
  entitySeen(entity: string): string {
    return `${this.prefix}{${entity}}:seen`;
  }

  /** entityStarts holds an entity's call starts per second (cps) within its longest window. */
  entityStarts(entity: string): string {
    return `${this.prefix}{${entity}}:cps`;
  }

  /** entityOpenCalls holds an entity's calls started and not yet ended, scored by start time (channels). */
  entityOpenCalls(entity: string): string {
    return `${this.prefix}{${entity}}:open`;
  }

  /** entityMoves holds an entity's money movements per second since its newest account snapshot (balance). */
  entityMoves(entity: string): string {
    return `${this.prefix}{${entity}}:moves`;
  }

  /** windowsDue indexes, for one side and partition, when each entity's windows next change as time passes. */
  windowsDue(side: string, partition: number): string {
    return `${this.prefix}{due:${side}:${partition}}:due`;
  }

  /**
   * aggregatorEpoch names the aggregators' current epoch; its absence means Redis lost the windows (or never had them).
   * With a `node` hash tag it names the copy of the epoch kept on a Redis Cluster node (see `nodeTags`), whose absence
   * means that node lost its part.
   */
  aggregatorEpoch(node?: string): string {
    return node === undefined ? `${this.prefix}aggregator:epoch` : `${this.prefix}aggregator:epoch:{${node}}`;
  }

  /** penalty holds an entity's active penalty (until, rule, reason, since) and the last alert offset the enforcer applied. */
  penalty(entity: string): string {
    return `${this.prefix}{${entity}}:penalty`;
  }

  /**
   * penaltiesRestored marks that the active penalties in Redis are complete: its absence means Redis lost them (or
   * never had them), and the enforcer restores them from the action topic.
   */
  penaltiesRestored(): string {
    return `${this.prefix}enforcer:penalties-restored`;
  }

  /** penaltyIndex lists entities with an active penalty, scored by when it ends. */
  penaltyIndex(): string {
    return `${this.prefix}penalties`;
  }

  /** alertStates is a hash of the entity's alert states, one field per rule id (ok / pending / firing, since, last notified), and `_applied`: the last metric snapshot judged. */
  alertStates(entity: string): string {
    return `${this.prefix}{${entity}}:alerts`;
  }

  /**
   * alertDeadlines indexes, for one partition of the metric topic, each entity's earliest alert deadline (the end of a
   * `for`, the next repeat), scored by it: what the partition's owner judges when its clock passes them.
   */
  alertDeadlines(partition: number): string {
    return `${this.prefix}{deadlines:${partition}}:alerts`;
  }

  /** alertClock holds one metric partition's event-time clock and the wall time it last moved (fields `clock`, `wall`). */
  alertClock(partition: number): string {
    return `${this.prefix}{deadlines:${partition}}:clock`;
  }

  /** accountStatus is the entity's last account status seen by the evaluator's event rules (to notice a change). */
  accountStatus(entity: string): string {
    return `${this.prefix}{${entity}}:account-status`;
  }

  /**
   * reportClaim marks one tick of a report rule: an evaluator's lease while it sends the reports, then `done`, so
   * that evaluators send each tick once. Every scheduler key shares the `{report}` hash tag, so one pipeline reaches them.
   */
  reportClaim(ruleId: string, tickMs: number): string {
    return `${this.prefix}{report}:claim:${ruleId}:${tickMs}`;
  }

  /** reportCheckedAt holds when an evaluator last looked for due reports, to tell which ticks were missed while none ran. */
  reportCheckedAt(): string {
    return `${this.prefix}{report}:checked-at`;
  }

  /** delivered marks one alert event as delivered to one recipient on one channel (dedup). */
  delivered(entity: string, dedupKey: string): string {
    return `${this.prefix}{${entity}}:delivered:${dedupKey}`;
  }

  /**
   * digestMeta holds one notification digest group's description, when it may next be sent and a flusher's lease.
   * Every digest key shares the `{digests}` hash tag: a digest gathers alerts of many entities, and one Lua call
   * adds an alert, schedules its group and remembers what was sent.
   */
  digestMeta(groupId: string): string {
    return `${this.prefix}{digests}:g:${groupId}`;
  }

  /** digestMembers holds the alerts waiting in one digest group, by alert event id. */
  digestMembers(groupId: string): string {
    return `${this.prefix}{digests}:m:${groupId}`;
  }

  /** digestSent remembers the alert event ids one digest group already sent, scored by when, so a redelivered alert is not sent again. */
  digestSent(groupId: string): string {
    return `${this.prefix}{digests}:s:${groupId}`;
  }

  /** digestsDue indexes digest groups by when they are next due. */
  digestsDue(): string {
    return `${this.prefix}{digests}:due`;
  }

  /** entityKeyPattern matches one kind of key (`meta`, `alerts`) of every entity, for a SCAN; `entityOfKey` reads the entity back. */
  entityKeyPattern(kind: 'meta' | 'alerts'): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}{*}:${kind}`;
  }

  /** entityOfKey is the entity whose key this is (`<prefix>{customer:acme}:meta`), or null for a key of no entity. */
  entityOfKey(key: string): string | null {
    const match = /^\{((?:customer|carrier):[^}]+)\}:/.exec(key.startsWith(this.prefix) ? key.slice(this.prefix.length) : '');
    return match ? (match[1] as string) : null;
  }

  /** pattern matches every key under this prefix (for tests and `status`). */
  pattern(): string {
    return `${this.prefix}*`;
  }
}
