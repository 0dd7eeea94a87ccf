import { Command } from 'commander';
import { registerAlerts } from './commands/alerts';
import { registerBacktest } from './commands/backtest';
import { registerClasses } from './commands/classes';
import { registerDb } from './commands/db';
import { registerHistory } from './commands/history';
import { registerPenalties } from './commands/penalties';
import { registerReplay } from './commands/replay';
import { registerRules } from './commands/rules';
import { registerSchemasCommand } from './commands/schemas';
import { registerSilence } from './commands/silence';
import { registerSimulate } from './commands/simulate';
import { registerStats } from './commands/stats';
import { registerStatus } from './commands/status';
import { registerTemplates } from './commands/templates';
import { registerTop } from './commands/top';

/** callwatchProgram builds the `callwatch` command with every subcommand; cli.ts parses the process's arguments with it. */
export function callwatchProgram(): Command {
  const program = new Command('callwatch')
    .description('callwatch: real-time threshold alerts for VoIP operators.\nConnection settings come from the environment: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL, TOPIC_PREFIX;\nTLS and SASL for Kafka, and registry auth: KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_TLS_*, SCHEMA_REGISTRY_USERNAME (docs/security.md);\nthe history (stats, history, backtest, db): RECORDER_URL, or CLICKHOUSE_URL for a ClickHouse server.\nAfter `npm start` the CLI reads the demo\'s context (.run/demo.env; CALLWATCH_CONTEXT=<file> or none to choose).\nPrecedence: flags > environment > --env-file > context file > defaults (docs/cli.md).')
    .option('--prefix <run>', 'the deployment run to talk to: TOPIC_PREFIX=<run>. and REDIS_KEY_PREFIX=<run>: (e.g. the demo\'s demo-20261204-101500)')
    .option('--env-file <file>', 'read settings from KEY=value lines (export allowed, # comments); the environment wins over it')
    .showHelpAfterError()
    .exitOverride();
  registerRules(program);
  registerTemplates(program);
  registerAlerts(program);
  registerSimulate(program);
  registerStatus(program);
  registerTop(program);
  registerStats(program);
  registerReplay(program);
  registerBacktest(program);
  registerPenalties(program);
  registerSilence(program);
  registerClasses(program);
  registerSchemasCommand(program);
  registerHistory(program);
  registerDb(program);
  return program;
}
