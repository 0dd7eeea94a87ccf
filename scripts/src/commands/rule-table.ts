import { createLogger } from '@callwatch/core';
import { CompactedTable, connect, type Connection } from '@callwatch/kafka';
import { cliConfig } from '../env';

/** withRuleTable runs `fn` with the rule topic read whole, and closes the connection after. */
export async function withRuleTable<T>(env: NodeJS.ProcessEnv, fn: (table: CompactedTable<'rule'>, connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connect(cliConfig(env), 'callwatch-cli', ['rule']);
  const table = new CompactedTable({ ...connection, log: createLogger('cli', 'warn'), topic: connection.topics.rule, schema: 'rule', groupPrefix: 'callwatch-cli' });
  try {
    await table.start();
    return await fn(table, connection);
  } finally {
    await table.stop();
    await connection.close();
  }
}
