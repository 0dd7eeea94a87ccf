import { createLogger } from '@callwatch/core';
import { CompactedTable, connect, type Connection } from '@callwatch/kafka';
import { cliConfig } from '../env';

/** withTable runs `fn` with a compacted topic (rules, silences) read whole, and closes the connection after. */
export async function withTable<N extends 'rule' | 'silence', T>(
  env: NodeJS.ProcessEnv,
  role: N,
  fn: (table: CompactedTable<N>, connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await connect(cliConfig(env), 'callwatch-cli', [role]);
  const table = new CompactedTable({ ...connection, log: createLogger('cli', 'warn'), topic: connection.topics[role], schema: role, groupPrefix: 'callwatch-cli' });
  try {
    await table.start();
    return await fn(table, connection);
  } finally {
    await table.stop();
    await connection.close();
  }
}

/** withRuleTable runs `fn` with the rule topic read whole, and closes the connection after. */
export function withRuleTable<T>(env: NodeJS.ProcessEnv, fn: (table: CompactedTable<'rule'>, connection: Connection) => Promise<T>): Promise<T> {
  return withTable(env, 'rule', fn);
}
