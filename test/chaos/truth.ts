import type { HistoryReader } from '@callwatch/clickhouse';
import type { Redis, RedisKeys } from '@callwatch/redis';
import { readEntity } from '@callwatch/redis';
import type { Cdr } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { motoData } from '../support/moto';
import type { TopicObserver } from './observer';
import type { WebhookReceiver } from './receivers';

// Each customer of a round first fails FAILED calls in a row (its ASR alert fires and the penalty disables it), then
// answers ANSWERED (62.5 %: the alert resets). Whichever batches the services read them in, that is one fired and one
// reset event, one disable and one enable, and two emails and two webhooks per customer.
export const FAILED = 6;
export const ANSWERED = 10;
export const CHARGE = 0.05;
export const RULE_ID = 'chaos-asr';
export const HOUR_MS = 3_600_000;

/** Round is one fault's traffic: customers of its own, so that rounds never share a window or an alert. */
export interface Round {
  fault: string;
  prefix: string;
  customers: string[];
  /** CDR ids the publisher sent again after an error: Kafka may hold them twice, which the recorder keeps. */
  resent: Set<string>;
}

export type Stage = 'fired' | 'final';

export function newRound(index: number, fault: string, customers: number): Round {
  const prefix = `r${String(index).padStart(2, '0')}`;
  return { fault, prefix, customers: Array.from({ length: customers }, (_, i) => `${prefix}-c${i}`), resent: new Set() };
}

/** phaseCdrs interleaves the customers' calls, as many switches' would be, each with an id of its own. */
export function phaseCdrs(round: Round, stage: Stage): Cdr[] {
  const count = stage === 'fired' ? FAILED : ANSWERED;
  const out: Cdr[] = [];
  for (let i = 0; i < count; i++) {
    for (const customer of round.customers) {
      out.push(cdr(customer, stage === 'final', Date.now(), { cdr_id: `${customer}-${stage}-${i}`, carrier_id: null, charge: stage === 'final' ? CHARGE : 0 }));
    }
  }
  return out;
}

/** Tally counts, over one or more rounds, what was expected and missing, what came twice under two ids, and what came again under its own id. */
export interface Tally {
  lost: number;
  duplicated: number;
  /** the same record again with the same id (a redelivery the documented policy allows, and marks) */
  redelivered: number;
  details: string[];
  /** how many records of each kind were read back (alert, action, webhook, email, history, window) */
  seen: Record<string, number>;
}

export const emptyTally = (): Tally => ({ lost: 0, duplicated: 0, redelivered: 0, details: [], seen: {} });

/** Sources are the real places the outcomes are read back from. */
export interface Sources {
  redis: Redis;
  keys: RedisKeys;
  observer: TopicObserver;
  webhooks: WebhookReceiver;
  history: HistoryReader;
  emailTo: string;
}

/** countIds counts one kind of outcome into the tally: per key the ids it came under and their copies; each `expected` key should come under one id. */
export function countIds(tally: Tally, what: string, expected: string[], seen: Array<[key: string, id: string]>): void {
  tally.seen[what] = (tally.seen[what] ?? 0) + seen.length;
  const ids = new Map<string, Map<string, number>>();
  for (const [key, id] of seen) {
    const byId = ids.get(key) ?? new Map<string, number>();
    byId.set(id, (byId.get(id) ?? 0) + 1);
    ids.set(key, byId);
  }
  const wanted = new Set(expected);
  for (const key of expected) {
    if (!ids.has(key)) {
      tally.lost++;
      tally.details.push(`${what} ${key}: missing`);
    }
  }
  for (const [key, byId] of ids) {
    const extra = wanted.has(key) ? byId.size - 1 : byId.size;
    if (extra > 0) {
      tally.duplicated += extra;
      tally.details.push(`${what} ${key}: ${wanted.has(key) ? `${byId.size} ids` : 'not expected'}`);
    }
    for (const copies of byId.values()) tally.redelivered += copies - 1;
  }
}

/** check compares what every source holds for these rounds with what their traffic must produce by `stage`. */
export async function check(rounds: Array<{ round: Round; stage: Stage }>, sources: Sources): Promise<Tally> {
  const tally = emptyTally();
  const { emails } = await motoData();
  for (const { round, stage } of rounds) {
    const entities = round.customers.map((c) => `customer:${c}`);
    const mine = (entity: string) => entity.startsWith(`customer:${round.prefix}-`);
    const transitions = stage === 'fired' ? ['fired'] : ['fired', 'reset'];
    const actionTypes = stage === 'fired' ? ['disable'] : ['disable', 'enable'];

    // Windows: the hour's attempts, answered calls and spend, against what was published.
    const [attempts, answered] = stage === 'fired' ? [FAILED, 0] : [FAILED + ANSWERED, ANSWERED];
    for (const entity of entities) {
      const hour = (await readEntity(sources.redis, sources.keys, entity)).windows.find((w) => w.sample_period_ms === HOUR_MS);
      const [a, b, spend] = [hour?.attempts ?? 0, hour?.answered ?? 0, hour?.spend ?? 0];
      tally.seen.attempts = (tally.seen.attempts ?? 0) + a;
      const wantSpend = Math.round(answered * CHARGE * 100);
      const off = [a - attempts, b - answered, Math.round(spend * 100) - wantSpend];
      if (off.some((d) => d !== 0)) tally.details.push(`window ${entity}: attempts ${a}/${attempts}, answered ${b}/${answered}, spend ${spend}`);
      for (const d of off.slice(0, 2)) {
        if (d < 0) tally.lost -= d;
        else tally.duplicated += d;
      }
    }

    // Alert transitions and penalty actions on their topics.
    const alerts = sources.observer.alerts.map((s) => s.value).filter((a) => a.rule_id === RULE_ID && mine(a.entity));
    countIds(tally, 'alert', entities.flatMap((e) => transitions.map((t) => `${t} ${e}`)), alerts.map((a) => [`${a.type} ${a.entity}`, a.event_id]));
    const actions = sources.observer.actions.map((s) => s.value).filter((a) => mine(a.entity));
    countIds(tally, 'action', entities.flatMap((e) => actionTypes.map((t) => `${t} ${e}`)), actions.map((a) => [`${a.type} ${a.entity}`, a.action_id]));

    // Deliveries: one webhook and one email per transition, found by the alert event they carry.
    const transitionOf = new Map(alerts.map((a) => [a.event_id, `${a.type} ${a.entity}`]));
    const expectedDeliveries = entities.flatMap((e) => transitions.map((t) => `${t} ${e}`));
    const calls = sources.webhooks.calls.filter((c) => mine(c.entity));
    countIds(tally, 'webhook', expectedDeliveries, calls.map((c) => [transitionOf.get(c.eventId) ?? `unknown event ${c.eventId}`, c.idempotencyKey]));
    const mails = emails.filter((m) => (m.destinations.ToAddresses ?? []).includes(sources.emailTo)).flatMap((m) => {
      const event = /^X-Callwatch-Event-Id:\s*(\S+)/im.exec(m.raw ?? '')?.[1];
      const transition = event === undefined ? undefined : transitionOf.get(event);
      return transition === undefined ? [] : [[transition, m.messageId ?? m.id] as [string, string]];
    });
    countIds(tally, 'email', expectedDeliveries, mails);

    // History: every CDR once in ClickHouse (twice only where the publisher itself sent it twice).
    const rows = await sources.history.rows<{ cdr_id: string; n: string }>(
      'SELECT cdr_id, count() AS n FROM cdrs WHERE startsWith(customer_id, {p:String}) GROUP BY cdr_id',
      { p: `${round.prefix}-` },
    );
    const recorded = new Map(rows.map((r) => [r.cdr_id, Number(r.n)]));
    tally.seen.history = (tally.seen.history ?? 0) + rows.reduce((sum, r) => sum + Number(r.n), 0);
    const kinds: Stage[] = stage === 'fired' ? ['fired'] : ['fired', 'final'];
    for (const customer of round.customers) {
      for (const kind of kinds) {
        for (let i = 0; i < (kind === 'fired' ? FAILED : ANSWERED); i++) {
          const id = `${customer}-${kind}-${i}`;
          const n = recorded.get(id) ?? 0;
          if (n === 0) {
            tally.lost++;
            tally.details.push(`history ${id}: missing`);
          } else if (n > (round.resent.has(id) ? 2 : 1)) {
            tally.duplicated += n - 1;
            tally.details.push(`history ${id}: ${n} rows`);
          }
        }
      }
    }
  }
  return tally;
}
