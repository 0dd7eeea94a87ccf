import { createLogger } from '@callwatch/core';
import { CompactedTable, connect, type Connection } from '@callwatch/kafka';
import { STOCK_TEMPLATES } from '@callwatch/notify';
import { cliConfig } from '../env';

/** ClassTables are the class topic and the template topic, each read whole, and the template ids a class may name. */
export interface ClassTables {
  classes: CompactedTable<'class'>;
  /** knownTemplates are the stock templates and every template on the template topic. */
  knownTemplates: ReadonlySet<string>;
  connection: Connection;
}

/** withClassTables runs `fn` with the class and template topics read whole (in parallel), and closes the connection after. */
export async function withClassTables<T>(env: NodeJS.ProcessEnv, fn: (tables: ClassTables) => Promise<T>): Promise<T> {
  const connection = await connect(cliConfig(env), 'callwatch-cli', ['class']);
  const log = createLogger('cli', 'warn');
  const classes = new CompactedTable({ ...connection, log, topic: connection.topics.class, schema: 'class', groupPrefix: 'callwatch-cli' });
  const templates = new CompactedTable({ ...connection, log, topic: connection.topics.template, schema: 'template', groupPrefix: 'callwatch-cli' });
  try {
    await Promise.all([classes.start(), templates.start()]);
    const knownTemplates = new Set([...Object.keys(STOCK_TEMPLATES), ...templates.view().keys()]);
    return await fn({ classes, knownTemplates, connection });
  } finally {
    await Promise.all([classes.stop(), templates.stop()]);
    await connection.close();
  }
}
