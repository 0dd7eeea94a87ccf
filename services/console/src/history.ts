import { apiToken, parseDuration } from '@callwatch/core';
import { clickHouseReader, openClickHouse, recorderReader, trafficStats, type HistoryReader, type StatsInterval, type TrafficStat } from '@callwatch/clickhouse';
import { ApiError } from './api-error';

/** HistorySettings are where the console reads history: a ClickHouse server, or the recorder's query route. */
export interface HistorySettings {
  CLICKHOUSE_URL: string;
  CLICKHOUSE_USER: string;
  CLICKHOUSE_PASSWORD: string;
  CLICKHOUSE_DATABASE: string;
  RECORDER_URL: string;
  API_TOKEN: string;
  API_TOKEN_FILE: string;
}

/** EntityHistory is what the history endpoint answers: rows of one area, or why there are none. */
export interface EntityHistory {
  available: boolean;
  reason?: string;
  source?: string;
  rows: Array<{ at_ms: number; value: number | null }>;
}

// The areas the hourly and daily rollups hold (docs/history.md); channels and cps are peaks there.
const HISTORY_AREAS: Record<string, (s: TrafficStat) => number | null> = {
  asr: (s) => s.asr, ner: (s) => s.ner, acd: (s) => s.acd, pdd: (s) => s.pdd, sdr: (s) => s.sdr, attempts: (s) => s.attempts, answered: (s) => s.answered,
  cps: (s) => s.peak_cps, channels: (s) => s.peak_channels, spend: (s) => s.spend, margin: (s) => s.margin,
};

/**
 * openHistoryReader is the console's reader of history: a ClickHouse server when CLICKHOUSE_URL is set, else the
 * recorder's query route at RECORDER_URL (with the API token the recorder wants), else none. The console never opens
 * the recorder's embedded folder: the recorder owns it.
 */
export function openHistoryReader(settings: HistorySettings): HistoryReader | null {
  if (settings.CLICKHOUSE_URL) return clickHouseReader(openClickHouse({ ...settings, CLICKHOUSE_PATH: '' }), `ClickHouse at ${settings.CLICKHOUSE_URL}`);
  if (settings.RECORDER_URL) return recorderReader(settings.RECORDER_URL, { token: apiToken(settings), timeoutMs: 30_000 });
  return null;
}

/** entityHistory reads one area of an entity per hour or day over `since` (24h, 7d) from the rollups. */
export async function entityHistory(reader: HistoryReader | null, entity: string, query: URLSearchParams, now: number): Promise<EntityHistory> {
  const area = query.get('area') ?? 'asr';
  const pick = HISTORY_AREAS[area];
  if (!pick) throw new ApiError(400, `area: expected one of ${Object.keys(HISTORY_AREAS).join(', ')}, got "${area}"`);
  const by = query.get('by') ?? 'hour';
  if (by !== 'hour' && by !== 'day') throw new ApiError(400, `by: expected hour or day, got "${by}"`);
  let sinceMs: number;
  try {
    sinceMs = parseDuration(query.get('since') ?? '24h');
  } catch (err) {
    throw new ApiError(400, `since: ${(err as Error).message}`);
  }
  if (!reader) return { available: false, reason: 'no history: set RECORDER_URL (the recorder\'s metrics port) or CLICKHOUSE_URL on the console', rows: [] };
  try {
    const stats = await trafficStats(reader, { entity, by: by as StatsInterval, fromMs: now - sinceMs, toMs: now });
    return { available: true, source: reader.source, rows: stats.map((s) => ({ at_ms: s.interval_start_ms, value: pick(s) })) };
  } catch (err) {
    return { available: false, reason: `history could not be read from ${reader.source}: ${(err as Error).message}`, rows: [] };
  }
}
