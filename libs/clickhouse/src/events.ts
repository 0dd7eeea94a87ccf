import { parseEntity } from '@callwatch/core';
import type { Account, CallStart, Cdr, Payment } from '@callwatch/schemas';
import type { HistoryReader, QueryParams } from './reader';

/** RecordedEvent is an input event as the recorder stored it: its `type` and its Avro fields (libs/windows' InputEvent). */
export type RecordedEvent =
  | ({ type: 'cdr' } & Cdr)
  | ({ type: 'call_start' } & CallStart)
  | ({ type: 'payment' } & Payment)
  | ({ type: 'account' } & Account);

/** EventQuery selects recorded input events: a half-open range of event time and, optionally, the entities they belong to. */
export interface EventQuery {
  fromMs: number;
  toMs: number;
  /** `customer:<id>` or `carrier:<id>`; absent or empty: every entity */
  entities?: readonly string[];
  /** the most rows one query reads of one partition */
  pageSize?: number;
}

/** EVENT_PAGE_SIZE is how many rows one query reads of one partition by default: memory is about this times the partitions. */
export const EVENT_PAGE_SIZE = 10_000;

type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string => String(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const ms = (column: string) => `toUnixTimestamp64Milli(${column}) AS ${column}_epoch`;

/** Selection is a query's entity filter, split by what each table can match. */
interface Selection {
  customers: string[];
  carriers: string[];
  entities: string[];
}

/** EventTable is one table of recorded input events: its event-time column, its columns and how a row becomes an event. */
interface EventTable {
  table: string;
  /** the event time: what the aggregator's clock follows (a CDR's end, a call's start) or billing's own time */
  time: string;
  select: string;
  /** the condition for the selected entities; null: the table holds none of their events */
  belongsTo(s: Selection): string | null;
  toEvent(row: Row): RecordedEvent;
}

const byCustomerOrCarrier = (s: Selection): string | null => {
  const either = [
    ...(s.customers.length > 0 ? ['customer_id IN {customers:Array(String)}'] : []),
    ...(s.carriers.length > 0 ? ['carrier_id IN {carriers:Array(String)}'] : []),
  ];
  return either.length > 0 ? `(${either.join(' OR ')})` : null;
};

// At equal event times, billing first (a CDR at that time is judged on the account and payments of that time), then a
// call's start before its CDR: the order of this list.
const TABLES: EventTable[] = [
  {
    table: 'accounts',
    time: 'at_ms',
    select: `entity, name, class, status, balance, debit_limit, currency, emails, phones, timezone, locale, ${ms('at_ms')}`,
    belongsTo: (s) => (s.entities.length > 0 ? 'entity IN {entities:Array(String)}' : null),
    toEvent: (r) => ({
      type: 'account', entity: str(r.entity), name: str(r.name), class: strOrNull(r.class), status: str(r.status) as Account['status'],
      balance: num(r.balance), debit_limit: numOrNull(r.debit_limit), currency: str(r.currency), emails: (r.emails as unknown[]).map(str),
      phones: (r.phones as unknown[]).map(str), timezone: strOrNull(r.timezone), locale: strOrNull(r.locale), at_ms: num(r.at_ms_epoch),
    }),
  },
  {
    table: 'payments',
    time: 'at_ms',
    select: `payment_id, customer_id, amount, status, source, ${ms('at_ms')}`,
    belongsTo: (s) => (s.customers.length > 0 ? 'customer_id IN {customers:Array(String)}' : null),
    toEvent: (r) => ({
      type: 'payment', payment_id: str(r.payment_id), customer_id: str(r.customer_id), amount: num(r.amount), status: str(r.status) as Payment['status'],
      source: str(r.source), at_ms: num(r.at_ms_epoch),
    }),
  },
  {
    table: 'call_starts',
    time: 'start_ms',
    select: `call_id, customer_id, carrier_id, ${ms('start_ms')}`,
    belongsTo: byCustomerOrCarrier,
    toEvent: (r) => ({ type: 'call_start', call_id: str(r.call_id), customer_id: str(r.customer_id), carrier_id: strOrNull(r.carrier_id), start_ms: num(r.start_ms_epoch) }),
  },
  {
    table: 'cdrs',
    time: 'end_ms',
    select: `cdr_id, switch_id, customer_id, carrier_id, call_id, ${ms('start_ms')}, ${ms('answer_ms')}, ${ms('end_ms')}, sip_code, pdd_ms, caller, callee, destination, charge, cost, currency`,
    belongsTo: byCustomerOrCarrier,
    toEvent: (r) => ({
      type: 'cdr', cdr_id: str(r.cdr_id), switch_id: str(r.switch_id), customer_id: str(r.customer_id), carrier_id: strOrNull(r.carrier_id),
      call_id: strOrNull(r.call_id), start_ms: num(r.start_ms_epoch), answer_ms: numOrNull(r.answer_ms_epoch), end_ms: num(r.end_ms_epoch),
      sip_code: num(r.sip_code), pdd_ms: numOrNull(r.pdd_ms), caller: strOrNull(r.caller), callee: str(r.callee), destination: strOrNull(r.destination),
      charge: num(r.charge), cost: numOrNull(r.cost), currency: str(r.currency),
    }),
  },
];

/** paramsOf gives a condition the selection's lists it names, and no others (a query names every parameter it is sent). */
function paramsOf(condition: string, s: Selection): QueryParams {
  const params: QueryParams = {};
  for (const name of ['customers', 'carriers', 'entities'] as const) if (condition.includes(`{${name}:`)) params[name] = s[name];
  return params;
}

function selection(entities: readonly string[] = []): Selection {
  const s: Selection = { customers: [], carriers: [], entities: [...entities] };
  for (const entity of entities) {
    const { kind, id } = parseEntity(entity);
    (kind === 'customer' ? s.customers : s.carriers).push(id);
  }
  return s;
}

const at = (param: string) => `fromUnixTimestamp64Milli({${param}:Int64}, 'UTC')`;

/** eventTime is an event's time as the aggregator's clock reads it (the `time` column of its table). */
export function eventTime(event: RecordedEvent): number {
  if (event.type === 'cdr') return event.end_ms;
  if (event.type === 'call_start') return event.start_ms;
  return event.at_ms;
}

/** PartitionStream is one Kafka partition's recorded events of one table, with the next one read ahead. */
interface PartitionStream {
  rank: number;
  topic: string;
  partition: number;
  head: RecordedEvent;
  rest: AsyncGenerator<RecordedEvent>;
}

/**
 * recordedEvents reads the input events recorded in a range of event time back from the history, in the order the
 * live aggregator most likely folded them, one page of one partition at a time (7 days can be millions of CDRs).
 *
 * The order: the aggregator folds each partition in offset order, and a customer's events all come through one
 * partition, so each (topic, partition) is read in offset order (keyset pagination on src_offset), exactly as it was
 * folded. This keeps what event-time order would lose: a CDR that came after newer ones (a switch catching up) comes
 * just as late here, so it is counted late, outside the windows, as it was live. Partitions have no order between them
 * live (each is folded on its own); here they are merged by the event time of their next event, which is the clock the
 * aggregator's windows and `callwatch replay` follow. That merge also stands for the carrier side's repartition topic,
 * which the aggregator fills from all customer partitions as it folds them (the recorder keeps only the input topics).
 * Ties go to billing, then call starts, then CDRs, then topic and partition: the same input always gives the same
 * order. A Kafka message recorded twice is read once (LIMIT 1 BY src_offset), as the aggregator's offsets skip a
 * redelivery.
 */
export async function* recordedEvents(reader: HistoryReader, query: EventQuery): AsyncGenerator<RecordedEvent> {
  const s = selection(query.entities);
  const pageSize = query.pageSize ?? EVENT_PAGE_SIZE;
  const streams: PartitionStream[] = [];
  for (const [rank, table] of TABLES.entries()) {
    const belongs = query.entities && query.entities.length > 0 ? table.belongsTo(s) : '1';
    if (belongs === null) continue;
    const where = `${table.time} >= ${at('from')} AND ${table.time} < ${at('to')} AND ${belongs}`;
    const params: QueryParams = { from: query.fromMs, to: query.toMs, ...paramsOf(belongs, s) };
    const partitions = await reader.rows<{ src_topic: string; src_partition: unknown }>(
      `SELECT DISTINCT src_topic, src_partition FROM ${table.table} WHERE ${where} ORDER BY src_topic, src_partition`,
      params,
    );
    for (const p of partitions) {
      const rest = partitionEvents(reader, table, `${where} AND src_topic = {topic:String} AND src_partition = {partition:UInt32}`, { ...params, topic: p.src_topic, partition: num(p.src_partition) }, pageSize);
      const first = await rest.next();
      if (!first.done) streams.push({ rank, topic: p.src_topic, partition: num(p.src_partition), head: first.value, rest });
    }
  }
  while (streams.length > 0) {
    let next = 0;
    for (let i = 1; i < streams.length; i++) if (comesFirst(streams[i] as PartitionStream, streams[next] as PartitionStream)) next = i;
    const stream = streams[next] as PartitionStream;
    yield stream.head;
    const more = await stream.rest.next();
    if (more.done) streams.splice(next, 1);
    else stream.head = more.value;
  }
}

function comesFirst(a: PartitionStream, b: PartitionStream): boolean {
  const ta = eventTime(a.head);
  const tb = eventTime(b.head);
  if (ta !== tb) return ta < tb;
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.topic !== b.topic) return a.topic < b.topic;
  return a.partition < b.partition;
}

// One partition of one table in offset order, a page at a time: each page starts after the last offset read.
async function* partitionEvents(reader: HistoryReader, table: EventTable, where: string, params: QueryParams, pageSize: number): AsyncGenerator<RecordedEvent> {
  let after = -1;
  for (;;) {
    const rows = await reader.rows<Row>(
      `SELECT ${table.select}, src_offset FROM ${table.table} WHERE ${where} AND src_offset > {after:Int64} ORDER BY src_offset LIMIT 1 BY src_offset LIMIT {limit:UInt32}`,
      { ...params, after, limit: pageSize },
    );
    for (const row of rows) yield table.toEvent(row);
    const last = rows[rows.length - 1];
    if (rows.length < pageSize || last === undefined) return;
    after = num(last.src_offset);
  }
}

/** OpeningAccount is an entity's newest account snapshot before a time, and the money that moved its balance after it until then. */
export interface OpeningAccount {
  account: { type: 'account' } & Account;
  /** completed payments minus charges (a customer's) or costs (a carrier's) after the snapshot's second and before the time */
  moved: number;
}

/**
 * openingAccounts reads, per entity (all, or the ones given), the newest account snapshot recorded before `atMs`, and
 * what moved its balance since: what the aggregator's balance was at `atMs` is the snapshot's balance plus `moved`.
 * Money counts as the aggregator counts it: completed payments once per payment_id, each CDR once per cdr_id, and only
 * in seconds after the snapshot's.
 */
export async function openingAccounts(reader: HistoryReader, atMs: number, entities: readonly string[] = []): Promise<OpeningAccount[]> {
  const s = selection(entities);
  const only = s.entities.length > 0 ? 'AND entity IN {entities:Array(String)}' : '';
  const params: QueryParams = { at: atMs, ...paramsOf(only, s) };
  const accounts = TABLES[0] as EventTable;
  const snapshots = (
    await reader.rows<Row>(
      `SELECT ${accounts.select} FROM accounts WHERE at_ms < ${at('at')} ${only} ORDER BY entity, at_ms DESC, src_offset DESC LIMIT 1 BY entity`,
      params,
    )
  ).map((row) => accounts.toEvent(row) as OpeningAccount['account']);
  if (snapshots.length === 0) return [];
  const since = Math.min(...snapshots.map((a) => a.at_ms));
  const moves = `
    SELECT concat('customer:', customer_id) AS entity, concat('pay:', payment_id) AS id, intDiv(toUnixTimestamp64Milli(at_ms), 1000) AS second, amount
      FROM payments WHERE status = 'completed' AND at_ms >= ${at('since')} AND at_ms < ${at('at')}
    UNION ALL
    SELECT concat('customer:', customer_id), cdr_id, intDiv(toUnixTimestamp64Milli(end_ms), 1000), -charge
      FROM cdrs WHERE end_ms >= ${at('since')} AND end_ms < ${at('at')}
    UNION ALL
    SELECT concat('carrier:', assumeNotNull(carrier_id)), cdr_id, intDiv(toUnixTimestamp64Milli(end_ms), 1000), -coalesce(cost, 0)
      FROM cdrs WHERE carrier_id IS NOT NULL AND end_ms >= ${at('since')} AND end_ms < ${at('at')}`;
  const moved = await reader.rows<{ entity: string; moved: unknown }>(
    `SELECT s.entity AS entity, round(sum(m.amount), 6) AS moved
       FROM (SELECT entity, intDiv(toUnixTimestamp64Milli(max(at_ms)), 1000) AS from_second FROM accounts WHERE at_ms < ${at('at')} ${only} GROUP BY entity) AS s
       INNER JOIN (SELECT entity, second, amount FROM (${moves}) WHERE 1 ${only} LIMIT 1 BY entity, id) AS m ON m.entity = s.entity
      WHERE m.second > s.from_second
      GROUP BY s.entity`,
    { ...params, since },
  );
  const byEntity = new Map(moved.map((r) => [r.entity, num(r.moved)]));
  return snapshots.map((account) => ({ account, moved: byEntity.get(account.entity) ?? 0 }));
}
