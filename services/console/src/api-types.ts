// The console's HTTP API as its readers see it (docs/console.md): the shapes the view model serves.
import type { Level } from '@callwatch/schemas';

/** FiringAlert is one (rule, entity) pair firing now. */
export interface FiringAlert {
  rule_id: string;
  rule_title: string;
  entity: string;
  area: string;
  level: Level;
  operator: string | null;
  /** the live value when the console has a snapshot the rule can read, else the value the alert judged */
  value: number | null;
  threshold: number | null;
  reset_threshold: number | null;
  unit: string;
  since_ms: number;
  last_ms: number;
  /** the fired or repeated event that began or last renewed it; '' when it was read from the evaluator's state */
  event_id: string;
  silenced: boolean;
}

/** AlertEventRow is one alert event as the console lists it. */
export interface AlertEventRow {
  event_id: string;
  type: 'fired' | 'repeated' | 'reset' | 'report' | 'event';
  rule_id: string;
  rule_title: string;
  entity: string;
  area: string;
  level: Level;
  value: number | null;
  threshold: number | null;
  operator: string | null;
  at_ms: number;
}

/** PenaltyRow is an entity's active penalty. */
export interface PenaltyRow {
  entity: string;
  until_ms: number;
  rule_id: string;
  reason: string;
  since_ms: number;
}

/** EntityMetrics are an entity's current values: windowed ones over its shortest window, and its gauges. */
export interface EntityMetrics {
  asr: number | null;
  acd: number | null;
  pdd: number | null;
  cps: number | null;
  ner: number | null;
  attempts: number | null;
  spend: number | null;
  channels: number | null;
  balance: number | null;
}

/** SPARKLINE_AREAS are the areas an entity row carries a sparkline of. */
export const SPARKLINE_AREAS = ['asr', 'acd', 'pdd', 'cps', 'channels', 'balance'] as const;

/** SparklineArea is one of SPARKLINE_AREAS. */
export type SparklineArea = (typeof SPARKLINE_AREAS)[number];

/** EntityRow is one entity in the entity list. */
export interface EntityRow {
  entity: string;
  name: string | null;
  kind: 'customer' | 'carrier';
  updated_ms: number;
  metrics: EntityMetrics;
  /** the window the windowed metrics are over (the shortest the entity has); null before its first call */
  period_ms: number | null;
  sparklines: Record<SparklineArea, Array<number | null>>;
  firing: number;
  worst_level: Level | null;
  /** how close the entity is to its nearest rule's threshold: 1 at the threshold, above 1 past it */
  closeness: number;
  penalty: PenaltyRow | null;
}

/** WindowRow is one window of an entity's detail. */
export interface WindowRow {
  asr: number | null;
  ner: number | null;
  acd: number | null;
  pdd: number | null;
  attempts: number;
  answered: number;
  cps: number | null;
  spend: number | null;
  margin: number | null;
  sdr: number | null;
}

/** RuleState is one rule's state for one entity. */
export interface RuleState {
  rule_id: string;
  title: string;
  area: string;
  level: Level;
  operator: string | null;
  threshold: number | null;
  reset_threshold: number | null;
  state: 'ok' | 'firing' | 'no_data' | 'disabled';
  value: number | null;
  since_ms: number | null;
  silenced: boolean;
}

/** DeliveryRow is one delivery attempt, its recipient masked. */
export interface DeliveryRow {
  notification_id: string;
  alert_event_id: string;
  rule_id: string;
  entity: string;
  channel: string;
  recipient: string;
  status: string;
  attempt: number;
  error: string | null;
  at_ms: number;
}

/** AccountRow is what the console shows of an entity's account. */
export interface AccountRow {
  name: string;
  class: string | null;
  status: string;
  balance: number;
  currency: string;
  emails: string[];
  phones: string[];
}

/** EntityDetail is one entity's page. */
export interface EntityDetail {
  row: EntityRow;
  account: AccountRow | null;
  windows: Record<string, WindowRow>;
  series: Record<string, Array<[number, number | null]>>;
  rules: RuleState[];
  penalty: PenaltyRow | null;
  deliveries: DeliveryRow[];
  alerts: AlertEventRow[];
}

/** RuleRow is one rule in the rule list. */
export interface RuleRow {
  id: string;
  title: string;
  area: string;
  level: Level;
  scope: Record<string, string>;
  operator: string | null;
  threshold: number | null;
  reset_threshold: number | null;
  sample_period_ms: number | null;
  enabled: boolean;
  firing: number;
  action: 'disable' | null;
}

/** SilenceRow is one silence, `expired` once over. */
export interface SilenceRow {
  silence_id: string;
  rule: string | null;
  entity: string | null;
  starts_at_ms: number;
  ends_at_ms: number;
  comment: string;
  created_by: string;
  expired: boolean;
}

/** Blocked is what `/api/blocked` answers: the entities a switch must not route now. */
export interface Blocked {
  as_of_ms: number;
  blocked: Array<{ entity: string; until_ms: number; rule_id: string; reason: string }>;
}

/** ModelChange is one change the view model pushes to live viewers: an SSE event name and its data. */
export type ModelChange =
  | { event: 'alert'; data: AlertEventRow }
  | { event: 'metric'; entity: string; data: EntityRow }
  | { event: 'penalty'; data: { action: 'disable' | 'enable'; penalty: PenaltyRow } }
  | { event: 'delivery'; data: DeliveryRow }
  | { event: 'silence'; data: SilenceRow }
  | { event: 'rule'; data: RuleRow };
