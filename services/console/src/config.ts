import { COMMON_ENV, env, parsers } from '@callwatch/core';
import { CLICKHOUSE_ENV } from '@callwatch/clickhouse';
import { NOTIFY_ENV } from '@callwatch/notify';

/** CONSOLE_ENV is the console's configuration, read once at start. */
export const CONSOLE_ENV = {
  ...COMMON_ENV,
  CONSOLE_HOST: env(parsers.string, 'address the console\'s UI and API listen on; beyond loopback, reads need API_TOKEN too', '127.0.0.1'),
  CONSOLE_PORT: env(parsers.port, 'port of the console\'s UI and API (0 picks a free port)', 9480),
  CONSOLE_GROUP_ID: env(parsers.string, 'start of the consumer group of each console instance (each reads every partition; the topic prefix, host and process id are added)', 'callwatch-console'),
  CONSOLE_MAX_ENTITIES: env(parsers.positiveInt, 'entities the console keeps in memory; past it, the one heard of longest ago (not firing, not penalised) goes', 5_000),
  CONSOLE_RECENT_EVENTS: env(parsers.positiveInt, 'alert events and delivery records the console keeps (and reads back at start)', 500),
  CONSOLE_PUBLIC_DIR: env(parsers.string, 'folder of the UI\'s files (index.html, assets/); empty: the one shipped with the console', ''),
  // History through the recorder or a ClickHouse server; the console never opens the recorder's embedded folder.
  CLICKHOUSE_URL: CLICKHOUSE_ENV.CLICKHOUSE_URL,
  CLICKHOUSE_USER: CLICKHOUSE_ENV.CLICKHOUSE_USER,
  CLICKHOUSE_PASSWORD: CLICKHOUSE_ENV.CLICKHOUSE_PASSWORD,
  CLICKHOUSE_DATABASE: CLICKHOUSE_ENV.CLICKHOUSE_DATABASE,
  RECORDER_URL: env(parsers.string, 'where the console reaches the recorder for entity history (its metrics port, e.g. http://127.0.0.1:9468); empty, and no CLICKHOUSE_URL: no history', ''),
  // A test notification goes out through the notifier's channels, as `callwatch rules test --send` sends it.
  ...NOTIFY_ENV,
};
