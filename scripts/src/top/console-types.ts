// The parts of the console's JSON API (docs/console.md) that `callwatch top` shows. The console owns the contract;
// these are read-only views of it, so a field the console adds later changes nothing here.

/** Level is an alert's severity. */
export type Level = 'info' | 'warning' | 'critical';

/** FiringAlert is one (rule, entity) firing now. */
export interface FiringAlert {
  rule_id: string;
  entity: string;
  area: string;
  level: Level;
  operator: string | null;
  value: number | null;
  threshold: number | null;
  unit: string | null;
  since_ms: number;
  silenced: boolean;
}

/** EntityRow is one entity's live values and how close it is to firing (1 = at its nearest rule's threshold). */
export interface EntityRow {
  entity: string;
  metrics: { asr: number | null; acd: number | null; pdd: number | null; cps: number | null; channels: number | null; balance: number | null };
  firing: number;
  worst_level: Level | null;
  closeness: number;
  penalty: { until_ms: number } | null;
}

/** Overview is GET /api/overview. */
export interface Overview {
  now_ms: number;
  deployment: { topic_prefix: string; redis_key_prefix: string };
  counts: { entities: number; firing: number; silenced: number; penalties: number };
  firing: FiringAlert[];
  entities: EntityRow[];
}

/** AlertEvent is one transition (GET /api/alerts/recent). */
export interface AlertEvent {
  type: string;
  rule_id: string;
  entity: string;
  area: string;
  level: Level;
  value: number | null;
  threshold: number | null;
  operator: string | null;
  at_ms: number;
}

/** Delivery is one notification attempt (GET /api/deliveries). */
export interface Delivery {
  rule_id: string;
  entity: string;
  channel: string;
  recipient: string;
  status: string;
  error: string | null;
  at_ms: number;
}

/** TopData is everything one frame of `callwatch top` shows. */
export interface TopData {
  overview: Overview;
  recent: AlertEvent[];
  deliveries: Delivery[];
}
