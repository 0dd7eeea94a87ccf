#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { CallwatchError } from '@callwatch/core';
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

const program = new Command('callwatch')
  .description('callwatch: real-time threshold alerts for VoIP operators.\nConnection settings come from the environment: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL, TOPIC_PREFIX;\nthe history (stats, history, backtest, db): RECORDER_URL, or CLICKHOUSE_URL for a ClickHouse server.')
  .showHelpAfterError()
  .exitOverride();
registerRules(program);
registerTemplates(program);
registerAlerts(program);
registerSimulate(program);
registerStatus(program);
registerStats(program);
registerReplay(program);
registerBacktest(program);
registerPenalties(program);
registerSilence(program);
registerClasses(program);
registerSchemasCommand(program);
registerHistory(program);
registerDb(program);

program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0), // a command may set exitCode (rules diff --exit-code)
  (err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    const message = err instanceof CallwatchError ? `${err.code}: ${err.message}` : (err as Error).message;
    process.stderr.write(`callwatch: ${message}\n`);
    process.exit(err instanceof CallwatchError && err.code === 'CW_ERR_CLI_USAGE' ? 2 : 1);
  },
);
