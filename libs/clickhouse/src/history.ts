import type { Action, AlertEvent, Notification } from '@callwatch/schemas';
import type { HistoryReader, QueryParams } from './reader';
import type { ConfigKind } from './rows';

/** TimeWindow is a half-open interval of epoch milliseconds, [fromMs, toMs). */
export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

/** TimelineFilter chooses the lines of an alert timeline: a time window, and optionally one rule and one entity. */
export interface TimelineFilter extends TimeWindow {
  ruleId?: string | undefined;
  entity?: string | undefined;
  /** keep alerts marked `test` and their deliveries (left out by default) */
  includeTests?: boolean | undefined;
  /** at most this many lines, the newest (default 1000) */
  limit?: number | undefined;
}

/** AlertLine is an alert transition (fired, repeated, reset, report) on a timeline. */
export type AlertLine = AlertEvent & { what: 'alert' };
/** PenaltyLine is a penalty applied (`disable` until a time) or lifted (`enable`) on a timeline. */
export type PenaltyLine = Action & { what: 'penalty' };
/** DeliveryLine is one delivery attempt and its outcome on a timeline. */
export type DeliveryLine = Notification & { what: 'delivery' };
/** TimelineLine is one line of an alert timeline; `what` says which kind. */
export type TimelineLine = AlertLine | PenaltyLine | DeliveryLine;

/** Timeline is an alert timeline in time order; `truncated` says older lines were left out to keep to the limit. */
export interface Timeline {
  lines: TimelineLine[];
  truncated: boolean;
}

/** DEFAULT_TIMELINE_LIMIT is how many lines a timeline holds unless told otherwise. */
export const DEFAULT_TIMELINE_LIMIT = 1000;

// Times leave ClickHouse as epoch milliseconds (Int64, which JSON quotes) under names that do not shadow the columns
// the WHERE and ORDER BY clauses use.
const ms = (column: string, as: string) => `toUnixTimestamp64Milli(${column}) AS ${as}`;
const epoch = (v: unknown): number => Number(v);
const epochOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** conditions keeps the rows of a time window whose named String columns equal the given values (undefined: any). */
function conditions(window: TimeWindow, equal: Record<string, string | undefined>): { where: string[]; params: QueryParams } {
  const where = ["at_ms >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')", "at_ms < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')"];
  const params: QueryParams = { from_ms: window.fromMs, to_ms: window.toMs };
  for (const [column, value] of Object.entries(equal)) {
    if (value === undefined) continue;
    where.push(`${column} = {${column}:String}`);
    params[column] = value;
  }
  return { where, params };
}

// At one time, the cause comes before its effects: the alert, the penalty it caused, then its deliveries.
const ORDER: Record<TimelineLine['what'], number> = { alert: 0, penalty: 1, delivery: 2 };

function byTime(a: TimelineLine, b: TimelineLine): number {
  return a.at_ms - b.at_ms || ORDER[a.what] - ORDER[b.what] || (a.what === 'delivery' && b.what === 'delivery' ? a.attempt - b.attempt : 0);
}

/**
 * alertTimeline reads what happened to alerts in a time window: transitions, penalties applied and lifted, and every
 * delivery attempt, as one list in time order.
 *
 * Three queries merged here rather than one UNION ALL: the tables share few columns, and a union would pad each side
 * with typed NULLs whose types must agree across branches (LowCardinality, Nullable DateTime64), which is brittle
 * across ClickHouse versions, and each kind of line would come back as a row of every column. Each query returns its
 * newest `limit + 1` rows, so the newest `limit` of the union are among them and one extra says some were left out.
 * Every query keeps one row per id: a redelivered event or delivery record is recorded again with the same id.
 */
export async function alertTimeline(history: HistoryReader, filter: TimelineFilter): Promise<Timeline> {
  const limit = filter.limit ?? DEFAULT_TIMELINE_LIMIT;
  const { where, params } = conditions(filter, { rule_id: filter.ruleId, entity: filter.entity });
  const alertWhere = filter.includeTests ? where : [...where, 'NOT test'];
  // A test alert's deliveries go with it; the subquery finds test alerts wherever they were recorded.
  const deliveryWhere = filter.includeTests ? where : [...where, 'alert_event_id NOT IN (SELECT event_id FROM alerts WHERE test)'];
  const newest = (id: string) => `ORDER BY at_ms DESC, src_offset DESC LIMIT 1 BY ${id} LIMIT {limit:UInt32}`;
  const all = { ...params, limit: limit + 1 };

  const [alerts, actions, deliveries] = await Promise.all([
    history.rows<Record<string, unknown>>(
      `SELECT event_id, type, rule_id, rule_title, entity, area, value, threshold, reset_threshold, operator, level, sample_period_ms,
              ${ms('at_ms', 'at_epoch_ms')}, ${ms('first_fired_at_ms', 'first_fired_epoch_ms')}, test
       FROM alerts WHERE ${alertWhere.join(' AND ')} ${newest('event_id')}`,
      all,
    ),
    history.rows<Record<string, unknown>>(
      `SELECT action_id, type, entity, ${ms('until_ms', 'until_epoch_ms')}, rule_id, reason, ${ms('at_ms', 'at_epoch_ms')}
       FROM actions WHERE ${where.join(' AND ')} ${newest('action_id')}`,
      all,
    ),
    history.rows<Record<string, unknown>>(
      `SELECT notification_id, alert_event_id, rule_id, entity, channel, recipient, status, attempt, error, message_id, group_key,
              ${ms('at_ms', 'at_epoch_ms')}
       FROM notifications WHERE ${deliveryWhere.join(' AND ')} ${newest('notification_id')}`,
      all,
    ),
  ]);

  const lines: TimelineLine[] = [
    ...alerts.map((r): AlertLine => ({
      what: 'alert',
      event_id: String(r.event_id),
      type: r.type as AlertEvent['type'],
      rule_id: String(r.rule_id),
      rule_title: String(r.rule_title),
      entity: String(r.entity),
      area: String(r.area),
      value: r.value as number | null,
      threshold: r.threshold as number | null,
      reset_threshold: r.reset_threshold as number | null,
      operator: r.operator as string | null,
      level: r.level as AlertEvent['level'],
      sample_period_ms: epochOrNull(r.sample_period_ms),
      at_ms: epoch(r.at_epoch_ms),
      first_fired_at_ms: epoch(r.first_fired_epoch_ms),
      test: Boolean(r.test),
    })),
    ...actions.map((r): PenaltyLine => ({
      what: 'penalty',
      action_id: String(r.action_id),
      type: r.type as Action['type'],
      entity: String(r.entity),
      until_ms: epochOrNull(r.until_epoch_ms),
      rule_id: String(r.rule_id),
      reason: String(r.reason),
      at_ms: epoch(r.at_epoch_ms),
    })),
    ...deliveries.map((r): DeliveryLine => ({
      what: 'delivery',
      notification_id: String(r.notification_id),
      alert_event_id: String(r.alert_event_id),
      rule_id: String(r.rule_id),
      entity: String(r.entity),
      channel: r.channel as Notification['channel'],
      recipient: String(r.recipient),
      status: r.status as Notification['status'],
      attempt: Number(r.attempt),
      error: r.error as string | null,
      message_id: r.message_id as string | null,
      group_key: r.group_key as string | null,
      at_ms: epoch(r.at_epoch_ms),
    })),
  ].sort(byTime);
  return { lines: lines.slice(-limit), truncated: lines.length > limit };
}

/** TrailFilter chooses the changes of an audit trail: a time window, and optionally one kind and one id. */
export interface TrailFilter extends TimeWindow {
  kind?: ConfigKind | undefined;
  id?: string | undefined;
}

/**
 * ConfigChangeLabel says what one change did: `create` (the first apply of an id, or the first after a delete),
 * `enable` or `disable` (an apply that only flips `enabled`), `apply` (any other apply), `delete`, or `expire` (a
 * silence ended early).
 */
export type ConfigChangeLabel = 'create' | 'apply' | 'enable' | 'disable' | 'delete' | 'expire';

/** ConfigDocument is a configuration document as applied: the Avro value of a rule, template, class or silence. */
export type ConfigDocument = Record<string, unknown>;

/** TrailEntry is one change of an audit trail, with the version it replaced (found even before the window). */
export interface TrailEntry {
  at_ms: number;
  kind: ConfigKind;
  id: string;
  change: ConfigChangeLabel;
  applied_by: string;
  /** the document as applied; null for a delete */
  body: ConfigDocument | null;
  /** the version before this change; null when there was none, or it was deleted */
  previous: ConfigDocument | null;
}

interface ChangeRow {
  kind: ConfigKind;
  id: string;
  change: string;
  applied_by: string;
  at_epoch_ms: string | number;
  body: string;
}

const CHANGE_COLUMNS = `kind, id, change, applied_by, ${ms('at_ms', 'at_epoch_ms')}, body`;
const IGNORED_BY_LABEL = new Set(['enabled', 'applied_by', 'applied_at_ms']);

/**
 * configTrail reads the audit trail of rules, templates, classes and silences in a time window, oldest first: who
 * applied, enabled, disabled, deleted or expired what, and when, each change with the version it replaced so that a
 * reader can show it field by field.
 *
 * The version an id had when the window opened is the latest row before it: a second query reads just that row for
 * each id the window holds (LIMIT 1 BY), instead of reading every id's whole history.
 */
export async function configTrail(history: HistoryReader, filter: TrailFilter): Promise<TrailEntry[]> {
  const { where, params } = conditions(filter, { kind: filter.kind, id: filter.id });
  const inWindow = where.join(' AND ');
  const [rows, before] = await Promise.all([
    history.rows<ChangeRow>(`SELECT ${CHANGE_COLUMNS} FROM config_changes WHERE ${inWindow} ORDER BY at_ms, src_offset`, params),
    history.rows<ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM config_changes
       WHERE at_ms < fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND (kind, id) IN (SELECT kind, id FROM config_changes WHERE ${inWindow})
       ORDER BY at_ms DESC, src_offset DESC LIMIT 1 BY kind, id`,
      params,
    ),
  ]);

  const current = new Map<string, ConfigDocument | null>(before.map((r) => [`${r.kind}\u0000${r.id}`, documentOf(r)]));
  return rows.map((r) => {
    const key = `${r.kind}\u0000${r.id}`;
    const previous = current.get(key) ?? null;
    const body = documentOf(r);
    current.set(key, body);
    return { at_ms: epoch(r.at_epoch_ms), kind: r.kind, id: r.id, change: changeLabel(r.change, previous, body), applied_by: r.applied_by, body, previous };
  });
}

function documentOf(row: ChangeRow): ConfigDocument | null {
  return row.change === 'delete' || row.body === '' ? null : (JSON.parse(row.body) as ConfigDocument);
}

/** changeLabel names what a recorded change did, given the version it replaced. */
export function changeLabel(change: string, previous: ConfigDocument | null, body: ConfigDocument | null): ConfigChangeLabel {
  if (change === 'delete' || change === 'expire') return change;
  if (previous === null || body === null) return 'create';
  if (typeof body.enabled === 'boolean' && body.enabled !== previous.enabled && sameApartFrom(previous, body, IGNORED_BY_LABEL)) {
    return body.enabled ? 'enable' : 'disable';
  }
  return 'apply';
}

// Both versions were written from the same Avro schema, so their nested fields come in the same order.
function sameApartFrom(a: ConfigDocument, b: ConfigDocument, ignored: Set<string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !ignored.has(k)));
  return [...keys].every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
