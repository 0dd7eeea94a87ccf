import { randomUUID } from 'node:crypto';
import { CallwatchError, startTicker, type Logger } from '@callwatch/core';
import { pipelined, readLiveSnapshots, type PipelinedCommand, type Redis, type RedisKeys } from '@callwatch/redis';
import { reportEntities, reportEvent, reportTicks, reportValue, ruleSchedule, type ScriptSandbox } from '@callwatch/rules';
import type { Account, AlertEvent, Rule } from '@callwatch/schemas';

/** SchedulerOptions wire the report scheduler into the evaluator; `now` is the clock, injectable for tests. */
export interface SchedulerOptions {
  redis: Redis;
  keys: RedisKeys;
  log: Logger;
  /** rules lists the current rules (the evaluator's rule table); the enabled ones with a schedule are reports */
  rules: () => Iterable<Rule>;
  /** accounts lists the known accounts, which class and `all` scopes cover */
  accounts: () => Iterable<Account>;
  /** publish sends alert events to the alert topic and resolves once Kafka has them */
  publish: (events: AlertEvent[]) => Promise<void>;
  /** onReports is told of every report published (for counters and logs) */
  onReports: (events: AlertEvent[]) => void;
  /** scripts runs script rules that report; without it they report no value */
  scripts?: ScriptSandbox;
  now: () => number;
  checkMs: number;
  catchupMs: number;
  /** how long a claim protects a tick being sent; past it another evaluator may send the tick again, with the same ids */
  leaseMs?: number;
}

/** Scheduler is a running report scheduler: it checks for due report ticks every `checkMs` until stopped. */
export interface Scheduler {
  /** check sends every report due now; the timer calls it, and tests may. */
  check(): Promise<void>;
  stop(): Promise<void>;
}

// A done mark outlives the catch-up by this much, so evaluators whose clocks disagree still see it.
const DONE_MARGIN_MS = 3_600_000;
const DONE = 'done';

type Claim = { rule: Rule; tick: number; key: string; outcome: 'ours' | 'done' | 'busy' };

/** checkScheduleConfig refuses a catch-up shorter than the check interval: ticks between two checks would be skipped. */
export function checkScheduleConfig(checkMs: number, catchupMs: number): void {
  if (catchupMs < checkMs) {
    throw new CallwatchError('CW_ERR_CONFIG', `EVALUATOR_SCHEDULE_CATCHUP_MS (${catchupMs}) must be at least EVALUATOR_SCHEDULE_CHECK_MS (${checkMs}), or ticks between two checks would be skipped`);
  }
}

/**
 * startScheduler sends the reports of rules with a schedule, exactly once per (rule, entity, tick) across
 * evaluators and restarts: each due tick is claimed in Redis (`SET NX` with a lease) before its reports are
 * published, and marked done after. A crash in between lets the lease run out and another check send the tick
 * again with the same event ids, which the notifier drops as duplicates. Ticks up to `catchupMs` old are still
 * sent (after a restart); older missed ticks are skipped with a warning.
 */
export function startScheduler(opts: SchedulerOptions): Scheduler {
  const { redis, keys, log, now, checkMs, catchupMs } = opts;
  checkScheduleConfig(checkMs, catchupMs);
  const leaseMs = opts.leaseMs ?? Math.max(60_000, 3 * checkMs);
  const token = randomUUID();
  // Per rule, the newest tick up to which every tick is known to be sent or skipped: later checks start after it.
  const settled = new Map<string, number>();

  const claim = async (due: Array<{ rule: Rule; tick: number }>): Promise<Claim[]> => {
    if (due.length === 0) return [];
    const replies = await pipelined(redis, due.flatMap(({ rule, tick }): PipelinedCommand[] => {
      const key = keys.reportClaim(rule.id, tick);
      return [{ key, queue: (p) => p.set(key, token, 'PX', leaseMs, 'NX') }, { key, queue: (p) => p.get(key) }];
    }));
    return due.map(({ rule, tick }, i) => {
      const [set, held] = [replies[2 * i], replies[2 * i + 1]];
      return { rule, tick, key: keys.reportClaim(rule.id, tick), outcome: set === 'OK' ? 'ours' : held === DONE ? 'done' : 'busy' };
    });
  };

  const send = async (claims: Claim[], at: number): Promise<void> => {
    const ours = claims.filter((c) => c.outcome === 'ours');
    if (ours.length === 0) return;
    const entities = new Map(ours.map((c) => [c.rule.id, reportEntities(c.rule, opts.accounts())]));
    const snapshots = await readLiveSnapshots(redis, keys, [...new Set([...entities.values()].flat())], at);
    const events = ours.flatMap(({ rule, tick }) =>
      (entities.get(rule.id) ?? []).map((entity) => reportEvent(rule, entity, reportValue(rule, snapshots.get(entity), opts.scripts), tick)),
    );
    // Publish, then mark done: a crash in between re-sends the same event ids once the lease runs out.
    await opts.publish(events);
    const marks = ours.map((c): PipelinedCommand => ({ key: c.key, queue: (p) => p.set(c.key, DONE, 'PX', catchupMs + leaseMs + DONE_MARGIN_MS) }));
    await pipelined(redis, marks);
    for (const c of ours) c.outcome = 'done';
    for (const c of ours) log.info({ rule: c.rule.id, tick: new Date(c.tick).toISOString(), entities: entities.get(c.rule.id)?.length ?? 0 }, 'reports sent');
    opts.onReports(events);
  };

  const check = async (): Promise<void> => {
    const at = now();
    const checkedAtText = await redis.get(keys.reportCheckedAt());
    const checkedAtMs = checkedAtText === null ? null : Number(checkedAtText);
    const due: Array<{ rule: Rule; tick: number }> = [];
    const seen = new Set<string>();
    for (const rule of opts.rules()) {
      const schedule = rule.enabled ? ruleSchedule(rule) : null;
      if (!schedule) continue;
      seen.add(rule.id);
      const ticks = reportTicks(schedule, { now: at, catchupMs, appliedAtMs: rule.applied_at_ms, checkedAtMs, settledMs: settled.get(rule.id) ?? null });
      const lastSkipped = ticks.skipped[ticks.skipped.length - 1];
      if (lastSkipped !== undefined) {
        log.warn({ rule: rule.id, ticks: ticks.skipped.length, first: new Date(ticks.skipped[0] as number).toISOString(), last: new Date(lastSkipped).toISOString(), catchupMs },
          'report ticks missed while no evaluator ran, older than the catch-up: skipped');
        settled.set(rule.id, lastSkipped);
      }
      for (const tick of ticks.due) due.push({ rule, tick });
    }
    for (const id of settled.keys()) if (!seen.has(id)) settled.delete(id);
    const claims = await claim(due);
    await send(claims, at);
    // Ticks are claimed oldest first per rule; one still leased by another evaluator holds the rule's mark back.
    const blocked = new Set<string>();
    for (const c of claims) {
      if (c.outcome === 'busy') blocked.add(c.rule.id);
      else if (!blocked.has(c.rule.id)) settled.set(c.rule.id, c.tick);
    }
    await redis.set(keys.reportCheckedAt(), String(at));
  };

  const ticker = startTicker(checkMs, check, (err) => log.error({ err }, 'report check failed: due ticks are retried at the next check'), { immediately: true });
  return { check, stop: () => ticker.stop() };
}
