import type { SchemaTypes } from '@callwatch/schemas';

/** Source is where a row came from: one Kafka message. */
export interface Source {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** the message's headers as strings (a tombstone says who deleted what in them) */
  headers: Record<string, string | undefined>;
  /** the message's timestamp, epoch ms */
  timestamp: number;
}

/** RecordedRole is a topic role the recorder writes to ClickHouse. */
export type RecordedRole = 'cdr' | 'callStart' | 'payment' | 'account' | 'alert' | 'action' | 'notification' | 'rule' | 'template' | 'class' | 'silence';

/** Row is one row for JSONEachRow: times are epoch milliseconds, which ClickHouse reads into DateTime64(3). */
export type Row = Record<string, unknown>;

const where = (s: Source) => ({ src_topic: s.topic, src_partition: s.partition, src_offset: s.offset });

/** ConfigKind is what `config_changes.kind` holds. */
export type ConfigKind = 'rule' | 'template' | 'class' | 'silence';

/**
 * configChange turns a message of a configuration topic into its audit row: an apply carries the whole document, a
 * tombstone is a delete whose author and time come from its headers; a silence ended early is an `expire`.
 */
function configChange(kind: ConfigKind, value: Record<string, unknown> | null, s: Source): Row {
  const id = s.key ?? '';
  if (value === null) {
    const at = Number(s.headers['applied-at-ms'] ?? s.timestamp);
    return { kind, id, change: 'delete', applied_by: s.headers['applied-by'] ?? '', at_ms: Number.isFinite(at) ? at : s.timestamp, body: '', ...where(s) };
  }
  if (kind === 'silence') {
    const silence = value as unknown as SchemaTypes['silence'];
    const expired = silence.expired_by !== null;
    return {
      kind,
      id: silence.silence_id,
      change: expired ? 'expire' : 'apply',
      applied_by: expired ? silence.expired_by : silence.created_by,
      at_ms: expired ? silence.ends_at_ms : silence.created_at_ms,
      body: JSON.stringify(silence),
      ...where(s),
    };
  }
  const doc = value as { applied_by: string; applied_at_ms: number };
  return { kind, id: id || String(value.id ?? value.name ?? ''), change: 'apply', applied_by: doc.applied_by, at_ms: doc.applied_at_ms, body: JSON.stringify(value), ...where(s) };
}

/** RecordTarget says where a role's messages go and how one becomes a row (null: nothing to record). */
export interface RecordTarget {
  table: string;
  toRow(value: unknown, source: Source): Row | null;
}

const plain = (table: string): RecordTarget => ({
  table,
  toRow: (value, s) => (value === null ? null : { ...(value as Row), ...where(s) }),
});

const config = (kind: ConfigKind): RecordTarget => ({
  table: 'config_changes',
  toRow: (value, s) => configChange(kind, value as Record<string, unknown> | null, s),
});

/** RECORD_TARGETS maps every recorded topic role to its table; field names are the Avro schema's, column for column. */
export const RECORD_TARGETS: Record<RecordedRole, RecordTarget> = {
  cdr: plain('cdrs'),
  callStart: plain('call_starts'),
  payment: plain('payments'),
  // An account tombstone removes the entity from the live table; its history keeps the snapshots it had.
  account: plain('accounts'),
  alert: plain('alerts'),
  action: plain('actions'),
  notification: plain('notifications'),
  rule: config('rule'),
  template: config('template'),
  class: config('class'),
  silence: config('silence'),
};

/** RECORDED_ROLES lists the recorded roles in a fixed order. */
export const RECORDED_ROLES = Object.keys(RECORD_TARGETS) as RecordedRole[];
