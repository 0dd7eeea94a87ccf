import type { Window } from '@callwatch/schemas';

/** EntityMetrics is an entity's state after a batch or a tick: its window clock, late events, gauges, one window per sample period. */
export interface EntityMetrics {
  entity: string;
  applied: boolean;
  clockMs: number;
  late: number;
  channels: number | null;
  balance: number | null;
  /** balance + debit limit, and the share of the limit used (`creditGauges`); null without a limit */
  credit: number | null;
  creditUsed: number | null;
  /** when its windows next change as time passes (0: never, they are empty) */
  dueMs: number;
  /** grows with every change of the entity's state: orders snapshots that the entity's sides publish concurrently */
  version: number;
  windows: Window[];
}

/** WindowStoreOptions are the limits the store applies in Redis. */
export interface WindowStoreOptions {
  periodsMs: number[];
  /** ids are remembered this long behind an entity's clock (the longest window plus lateness) */
  idRetentionMs: number;
  /** an open call (call-start event without its CDR) is expired after this long */
  maxCallMs: number;
  /**
   * how far behind an entity's newest event an account snapshot may be and still get the exact balance: money
   * movements older than this are kept as one sum instead of one field per second (default ACCOUNT_LATENESS_MS)
   */
  accountLatenessMs?: number;
}

/** ACCOUNT_LATENESS_MS is how late an account snapshot may be, by default: an hour. */
export const ACCOUNT_LATENESS_MS = 3_600_000;
