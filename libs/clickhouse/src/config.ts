import { COMMON_ENV, env, parsers } from '@callwatch/core';

/** CLICKHOUSE_ENV says where history lives: a ClickHouse server, or the embedded engine's folder and the recorder that owns it. */
export const CLICKHOUSE_ENV = {
  CLICKHOUSE_URL: env(parsers.string, 'a ClickHouse server (http://host:8123); empty: ClickHouse embedded in the recorder, its data in CLICKHOUSE_PATH', ''),
  CLICKHOUSE_USER: env(parsers.string, 'user on the ClickHouse server', 'default'),
  CLICKHOUSE_PASSWORD: env(parsers.string, 'password on the ClickHouse server', ''),
  CLICKHOUSE_DATABASE: env(parsers.string, 'database of the callwatch tables (created by the migrations when missing)', 'default'),
  CLICKHOUSE_PATH: env(parsers.string, 'folder of the embedded ClickHouse data (one process owns it: the recorder)', '.run/chdb'),
  RECORDER_URL: env(parsers.url, 'where the CLI reaches the recorder for history when ClickHouse is embedded (its metrics port)', 'http://127.0.0.1:9468'),
  // The recorder's token: the CLI sends it with every query.
  API_TOKEN: COMMON_ENV.API_TOKEN,
  API_TOKEN_FILE: COMMON_ENV.API_TOKEN_FILE,
};
