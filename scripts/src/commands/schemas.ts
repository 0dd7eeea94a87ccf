import type { Command } from 'commander';
import { connect, TOPIC_SCHEMAS, type TopicNames } from '@callwatch/kafka';
import { cliConfig } from '../env';

/** registerSchemasCommand adds `callwatch schemas register` to the CLI. */
export function registerSchemasCommand(program: Command): void {
  const schemas = program.command('schemas').description('manage the Avro schemas in the schema registry');
  schemas
    .command('register')
    .description('create missing topics and register every schema under <topic>-value with BACKWARD compatibility')
    .action(async () => {
      const config = cliConfig();
      const roles = Object.keys(TOPIC_SCHEMAS) as Array<keyof TopicNames>;
      const connection = await connect(config, 'callwatch-cli', roles);
      try {
        for (const role of roles) {
          const id = await connection.codec.register(TOPIC_SCHEMAS[role], connection.topics[role]);
          process.stdout.write(`${connection.topics[role]}-value  ${TOPIC_SCHEMAS[role]}  id ${id}\n`);
        }
      } finally {
        await connection.close();
      }
    });
}
