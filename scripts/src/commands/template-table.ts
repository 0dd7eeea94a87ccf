import { createLogger } from '@callwatch/core';
import { CompactedTable, connect, type Connection } from '@callwatch/kafka';
import { cliConfig } from '../env';

/** TemplateTables are the live templates and the live rules that name them, each read whole from its compacted topic. */
export interface TemplateTables {
  templates: CompactedTable<'template'>;
  rules: CompactedTable<'rule'>;
}

/**
 * withTemplateTables runs `fn` with the template and rule topics read whole (a template change is judged against the
 * rules that use it), and closes the connection after.
 */
export async function withTemplateTables<T>(env: NodeJS.ProcessEnv, fn: (tables: TemplateTables, connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connect(cliConfig(env), 'callwatch-cli', ['template', 'rule']);
  const table = <N extends 'template' | 'rule'>(schema: N) =>
    new CompactedTable({ ...connection, log: createLogger('cli', 'warn'), topic: connection.topics[schema], schema, groupPrefix: 'callwatch-cli' });
  const tables: TemplateTables = { templates: table('template'), rules: table('rule') };
  try {
    await Promise.all([tables.templates.start(), tables.rules.start()]);
    return await fn(tables, connection);
  } finally {
    await Promise.all([tables.templates.stop(), tables.rules.stop()]);
    await connection.close();
  }
}
