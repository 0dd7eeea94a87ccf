import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

export type { ClickHouseClient };

/** ClickHouseOptions chooses the engine: a server at `url`, else ClickHouse embedded in this process (chdb) at `path`. */
export interface ClickHouseOptions {
  url?: string | undefined;
  path?: string;
  database?: string | undefined;
  username?: string;
  password?: string;
}

/**
 * createClickHouse returns one @clickhouse/client API for both engines, so the same code runs in-process in tests
 * and the demo (no server to install) and against a ClickHouse server in production (CLICKHOUSE_URL).
 */
export function createClickHouse({ url = process.env.CLICKHOUSE_URL, path = process.env.CLICKHOUSE_PATH ?? '.run/chdb', database, username, password }: ClickHouseOptions = {}): ClickHouseClient {
  const common = database ? { database } : {};
  if (url) return createClient({ url, ...common, ...(username ? { username } : {}), ...(password ? { password } : {}) });
  // chdb types its connection against @clickhouse/client-common, which the client now bundles: same shape, two declarations.
  const connection = createChdbConnection({ path }) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'];
  return createClient({ connection, ...common });
}
