import { deriveWindow } from '@callwatch/windows';
import type { HistoryReader } from './reader';

/** StatsInterval is how traffic stats group time: by UTC hour, day or month. */
export type StatsInterval = 'hour' | 'day' | 'month';

/** STATS_INTERVALS lists the intervals in the order `--by` shows them. */
export const STATS_INTERVALS: readonly StatsInterval[] = ['hour', 'day', 'month'];

/** StatsQuery asks for traffic stats: one entity (`customer:acme`) or every entity, per interval, over [fromMs, toMs). */
export interface StatsQuery {
  entity?: string | undefined;
  by: StatsInterval;
  fromMs: number;
  toMs: number;
}

/**
 * TrafficStat is one entity's traffic over one interval, its areas derived as the aggregator derives a window's
 * (docs/design.md, "Entities and metrics"). A CDR counts in the interval its call ended in.
 */
export interface TrafficStat {
  entity: string;
  /** the interval's start, epoch ms (UTC) */
  interval_start_ms: number;
  attempts: number;
  answered: number;
  asr: number | null;
  ner: number | null;
  acd: number | null;
  pdd: number | null;
  sdr: number | null;
  /** the most calls started in one second of the interval */
  peak_cps: number;
  /** the most calls in progress at once in the interval (see trafficStats) */
  peak_channels: number;
  spend: number;
  margin: number;
  /** attempts per final SIP code */
  codes: Record<string, number>;
}

/** intervalStart is the start of the UTC interval that holds `ms`. */
export function intervalStart(ms: number, by: StatsInterval): number {
  const d = new Date(ms);
  if (by === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const size = by === 'hour' ? 3_600_000 : 86_400_000;
  return Math.floor(ms / size) * size;
}

/** nextInterval is the start of the interval after the one starting at `startMs`. */
export function nextInterval(startMs: number, by: StatsInterval): number {
  if (by === 'hour') return startMs + 3_600_000;
  if (by === 'day') return startMs + 86_400_000;
  const d = new Date(startMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** alignedRange widens [fromMs, toMs) to the whole intervals it overlaps: stats are always of whole intervals. */
export function alignedRange({ by, fromMs, toMs }: StatsQuery): { fromMs: number; toMs: number } {
  const lastStart = intervalStart(toMs - 1, by);
  return { fromMs: intervalStart(fromMs, by), toMs: nextInterval(lastStart, by) };
}

// How far before the range the running sum of channels starts, so calls already in progress there count: longer than
// any call (the aggregator expires calls after AGGREGATOR_MAX_CALL_MS, 4 h by default).
const CHANNELS_LEAD_IN_MS = 86_400_000;

// Each interval's rollup, and the same interval's start as a DateTime('UTC') for joining with the per-second peaks.
const ROLLUPS: Record<StatsInterval, { table: string; interval: string; range: string }> = {
  hour: {
    table: 'cdr_hourly',
    interval: 'hour',
    range: "hour >= toDateTime({from_s:Int64}, 'UTC') AND hour < toDateTime({to_s:Int64}, 'UTC')",
  },
  day: {
    table: 'cdr_daily',
    interval: "toDateTime(day, 'UTC')",
    range: "day >= toDate(toDateTime({from_s:Int64}, 'UTC')) AND day < toDate(toDateTime({to_s:Int64}, 'UTC'))",
  },
  month: {
    table: 'cdr_daily',
    interval: "toDateTime(toStartOfMonth(day), 'UTC')",
    range: "day >= toDate(toDateTime({from_s:Int64}, 'UTC')) AND day < toDate(toDateTime({to_s:Int64}, 'UTC'))",
  },
};

const SECOND_INTERVAL: Record<StatsInterval, string> = {
  hour: 'toStartOfHour(second)',
  day: 'toStartOfDay(second)',
  month: "toDateTime(toStartOfMonth(second), 'UTC')",
};

/**
 * statsSql is the query behind trafficStats: the rollup summed per entity and interval, its columns named as the
 * window counters of libs/windows (counters.ts), joined with the per-second peaks. The rollup columns are
 * SimpleAggregateFunction: rows of one key may not be merged yet, so everything is summed again here.
 */
export function statsSql(by: StatsInterval, oneEntity: boolean): string {
  const rollup = ROLLUPS[by];
  const entityIs = oneEntity ? ' AND entity = {entity:String}' : '';
  // level is the running sum of channel_delta, less its lowest point so far when that is below zero (the calls that
  // were in progress at the lead-in's start end without their start in the sum); level_before is the level of the
  // second before a row, which holds from the previous row up to this one.
  return `
SELECT entity, toUnixTimestamp(t) AS start_s, a, n, e, x, b, p, q, s, m, h, c, k, peak_channels
FROM
(
    SELECT entity, ${rollup.interval} AS t,
        sum(attempts) AS a, sum(answered) AS n, sum(ner_calls) AS e, sum(ner_attempts) AS x, sum(billed_ms) AS b,
        sum(pdd_sum_ms) AS p, sum(pdd_calls) AS q, sum(spend) AS s, sum(margin) AS m, sum(short_calls) AS h, sumMap(codes) AS c
    FROM ${rollup.table}
    WHERE ${rollup.range}${entityIs}
    GROUP BY entity, t
) AS rollup
FULL OUTER JOIN
(
    SELECT entity, ${SECOND_INTERVAL[by]} AS t, max(second_starts) AS k,
        max(greatest(level, if(second > t, level_before, toInt64(0)))) AS peak_channels
    FROM
    (
        SELECT entity, second, second_starts, running - least(lowest_before, running) AS level, running - delta - lowest_before AS level_before
        FROM
        (
            SELECT entity, second, second_starts, delta, running,
                min(running - delta) OVER (PARTITION BY entity ORDER BY second ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS lowest_before
            FROM
            (
                SELECT entity, second, second_starts, delta,
                    sum(delta) OVER (PARTITION BY entity ORDER BY second ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
                FROM
                (
                    SELECT entity, second, sum(starts) AS second_starts, sum(channel_delta) AS delta
                    FROM cdr_seconds
                    WHERE second >= toDateTime({lead_in_s:Int64}, 'UTC') AND second < toDateTime({to_s:Int64}, 'UTC')${entityIs}
                    GROUP BY entity, second
                )
            )
        )
    )
    WHERE second >= toDateTime({from_s:Int64}, 'UTC')
    GROUP BY entity, t
) AS peaks USING (entity, t)
ORDER BY entity, t`;
}

interface StatsRow {
  entity: string;
  start_s: number | string;
  c: Record<string, number | string> | null;
  peak_channels: number | string | null;
  [counter: string]: unknown;
}

const COUNTERS = ['a', 'n', 'e', 'x', 'b', 'p', 'q', 's', 'm', 'h', 'k'] as const;

/**
 * trafficStats reads per entity and interval (UTC hour, day or month) the traffic of the intervals that overlap
 * [fromMs, toMs), from the rollups (cdr_hourly; cdr_daily, summed per month for months) and never the raw CDRs.
 * The rollup sums become the aggregator's window counters and its areas come from `deriveWindow`, so ASR, NER,
 * ACD, PDD, SDR, spend and margin mean here exactly what they mean in a window. An interval in which no CDR ended
 * and no call started is not a row; one in which calls only started has 0 attempts and no ratios.
 *
 * From cdr_seconds (per second: calls started; +1 at each call's start second and −1 at its end second):
 * - `peak_cps` is the largest number of calls started in one second of the interval.
 * - `peak_channels` is the largest number of calls in progress at the end of one second of the interval: the
 *   running sum of the deltas from one day before the range (so calls already in progress at its start count),
 *   including the level carried into the interval from before its first change. A call that starts and ends in the
 *   same second adds nothing. Calls already in progress when that lead-in day starts end without their start in
 *   the sum, which would undercount by their number; subtracting the sum's lowest point so far (when below zero)
 *   makes up for them, so the level is exact from the first second since the lead-in's start with no call in
 *   progress, and before it low by at most the fewest calls in progress at any second since then. Only calls
 *   whose CDR was recorded count.
 */
export async function trafficStats(reader: HistoryReader, query: StatsQuery): Promise<TrafficStat[]> {
  const { fromMs, toMs } = alignedRange(query);
  const params = {
    from_s: Math.floor(fromMs / 1000),
    to_s: Math.floor(toMs / 1000),
    lead_in_s: Math.floor((fromMs - CHANNELS_LEAD_IN_MS) / 1000),
    ...(query.entity === undefined ? {} : { entity: query.entity }),
  };
  const rows = await reader.rows<StatsRow>(statsSql(query.by, query.entity !== undefined), params);
  return rows.map((row) => {
    // 64-bit integers come as strings from a server (output_format_json_quote_64bit_integers), as numbers from chdb.
    const sums: Record<string, number> = {};
    for (const name of COUNTERS) sums[name] = Number(row[name] ?? 0);
    for (const [code, count] of Object.entries(row.c ?? {})) sums[`c${code}`] = Number(count);
    const startMs = Number(row.start_s) * 1000;
    const window = deriveWindow(nextInterval(startMs, query.by) - startMs, sums);
    return {
      entity: row.entity,
      interval_start_ms: startMs,
      attempts: window.attempts,
      answered: window.answered,
      asr: window.asr,
      ner: window.ner,
      acd: window.acd,
      pdd: window.pdd,
      sdr: window.sdr,
      peak_cps: window.cps ?? 0,
      peak_channels: Number(row.peak_channels ?? 0),
      spend: window.spend ?? 0,
      margin: window.margin ?? 0,
      codes: window.codes,
    };
  });
}
