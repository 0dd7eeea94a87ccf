import { existsSync } from 'node:fs';
import { CallwatchError, apiToken } from '@callwatch/core';
import { createClickHouse, type ClickHouseClient } from './client';
import { readOnlyQuery } from './statements';

/** QueryParams are a query's `{name:Type}` parameters. */
export type QueryParams = Record<string, unknown>;

/**
 * HistoryReader runs read-only queries on the history, wherever it lives: a ClickHouse server, the embedded engine
 * in this process, or the recorder that owns the embedded data (over its HTTP port).
 */
export interface HistoryReader {
  /** where the rows come from, for people: "ClickHouse at http://…", "the recorder at http://…", "embedded at .run/chdb" */
  readonly source: string;
  rows<T>(query: string, params?: QueryParams): Promise<T[]>;
  close(): Promise<void>;
}

/** clickHouseReader reads through a client (server or embedded), every query read-only. */
export function clickHouseReader(client: ClickHouseClient, source: string): HistoryReader {
  return {
    source,
    rows: async <T>(query: string, params: QueryParams = {}) => {
      const result = await client.query({ query: readOnlyQuery(query), query_params: params, format: 'JSONEachRow' });
      return result.json<T>();
    },
    close: () => client.close(),
  };
}

/** QUERY_PATH is where the recorder answers read-only queries: POST {"query", "params"} → {"rows"} or {"error"}. */
export const QUERY_PATH = '/query';

/** RecorderClientOptions are how the CLI calls the recorder: the bearer token its /query wants (API_TOKEN), and a time limit. */
export interface RecorderClientOptions {
  token?: string | null;
  timeoutMs?: number;
}

const queryRequest = (query: string, params: QueryParams, token: string | null | undefined): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify({ query, params }),
});

// The recorder refuses a caller (401, 403) before it reads a query: say which setting to fix, on which side.
function refusal(url: string, status: number, token: string | null | undefined): CallwatchError | null {
  if (status === 403) return new CallwatchError('CW_ERR_HISTORY', `the recorder at ${url} serves no queries: it listens beyond loopback and has no API token; set API_TOKEN (or API_TOKEN_FILE) on the recorder and here`);
  if (status !== 401) return null;
  return new CallwatchError('CW_ERR_HISTORY', token ? `the recorder at ${url} refused the API token: API_TOKEN (or API_TOKEN_FILE) here is not the recorder's` : `the recorder at ${url} wants an API token: set API_TOKEN (or API_TOKEN_FILE) to the recorder's`);
}

/** recorderReader reads through the recorder that owns the embedded data. */
export function recorderReader(url: string, { token = null, timeoutMs = 60_000 }: RecorderClientOptions = {}): HistoryReader {
  const endpoint = `${url.replace(/\/$/, '')}${QUERY_PATH}`;
  return {
    source: `the recorder at ${url}`,
    rows: async <T>(query: string, params: QueryParams = {}) => {
      const response = await fetch(endpoint, { ...queryRequest(query, params, token), signal: AbortSignal.timeout(timeoutMs) });
      const refused = refusal(url, response.status, token);
      if (refused) throw refused;
      const body = (await response.json().catch(() => ({ error: `HTTP ${response.status} without a JSON body` }))) as { rows?: T[]; error?: string };
      if (!response.ok || !body.rows) throw new CallwatchError('CW_ERR_HISTORY', `the recorder at ${url} refused the query: ${body.error ?? `HTTP ${response.status}`}`);
      return body.rows;
    },
    close: async () => {},
  };
}

/** HistoryOptions are CLICKHOUSE_ENV's values (or a test's). */
export interface HistoryOptions {
  CLICKHOUSE_URL: string;
  CLICKHOUSE_USER: string;
  CLICKHOUSE_PASSWORD: string;
  CLICKHOUSE_DATABASE: string;
  CLICKHOUSE_PATH: string;
  RECORDER_URL: string;
  API_TOKEN: string;
  API_TOKEN_FILE: string;
}

/**
 * ensureDatabase creates CLICKHOUSE_DATABASE on a server when it is missing (the embedded engine uses its default
 * database), so migrations can run in it.
 */
export async function ensureDatabase(options: HistoryOptions): Promise<void> {
  if (!options.CLICKHOUSE_URL || options.CLICKHOUSE_DATABASE === 'default') return;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.CLICKHOUSE_DATABASE)) throw new CallwatchError('CW_ERR_CONFIG', `CLICKHOUSE_DATABASE: expected a name of letters, digits and _, got "${options.CLICKHOUSE_DATABASE}"`);
  const server = openClickHouse({ ...options, CLICKHOUSE_DATABASE: 'default' });
  try {
    await server.command({ query: `CREATE DATABASE IF NOT EXISTS ${options.CLICKHOUSE_DATABASE}` });
  } finally {
    await server.close();
  }
}

/** openClickHouse opens the configured engine for writing: the server, or the embedded data folder (its one owner). */
export function openClickHouse(options: HistoryOptions): ClickHouseClient {
  return createClickHouse({
    url: options.CLICKHOUSE_URL || undefined,
    path: options.CLICKHOUSE_PATH,
    database: options.CLICKHOUSE_DATABASE === 'default' ? undefined : options.CLICKHOUSE_DATABASE,
    username: options.CLICKHOUSE_USER,
    password: options.CLICKHOUSE_PASSWORD,
  });
}

/**
 * recorderAnswers tells whether a recorder answers read-only queries at `url` (it owns the embedded data then); one
 * that is there but refuses this caller is an error, not an absent recorder, so nothing opens the folder it holds.
 */
export async function recorderAnswers(url: string, token: string | null = null): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch(`${url.replace(/\/$/, '')}${QUERY_PATH}`, { ...queryRequest('SELECT 1 AS ok', {}, token), signal: AbortSignal.timeout(2_000) });
  } catch {
    return false;
  }
  const refused = refusal(url, response.status, token);
  if (refused) throw refused;
  return response.ok;
}

/**
 * openHistory finds the history: a server when CLICKHOUSE_URL is set; else the recorder that owns the embedded data
 * (RECORDER_URL); else, when no recorder runs, the embedded data folder itself (nobody else has it open).
 */
export async function openHistory(options: HistoryOptions): Promise<HistoryReader> {
  if (options.CLICKHOUSE_URL) return clickHouseReader(openClickHouse(options), `ClickHouse at ${options.CLICKHOUSE_URL}`);
  const token = apiToken(options);
  if (await recorderAnswers(options.RECORDER_URL, token)) return recorderReader(options.RECORDER_URL, { token });
  if (!existsSync(options.CLICKHOUSE_PATH)) {
    throw new CallwatchError(
      'CW_ERR_HISTORY',
      `no history: no recorder answers at ${options.RECORDER_URL} and there is no embedded data in ${options.CLICKHOUSE_PATH}; start the recorder (it records from Kafka), or set CLICKHOUSE_URL to a ClickHouse server`,
    );
  }
  return clickHouseReader(openClickHouse(options), `embedded ClickHouse in ${options.CLICKHOUSE_PATH}`);
}
