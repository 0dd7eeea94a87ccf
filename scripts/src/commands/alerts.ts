import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { createLogger, formatDuration, valueDecimals } from '@callwatch/core';
import { connect, startBatchConsumer } from '@callwatch/kafka';
import type { AlertEvent } from '@callwatch/schemas';
import { cliConfig } from '../env';

/** alertCondition says what an alert event judged: `asr 12.35 <= 30 over 5m`, `asr 34.78 back past 31 over 5m`. */
export function alertCondition(a: AlertEvent): string {
  // As many decimals as it takes not to show a value equal to the threshold it crossed (44.996 < 45, not 45 < 45).
  const value = a.value === null ? 'n/a' : Number(a.value.toFixed(valueDecimals(a, 2)));
  const window = a.sample_period_ms === null ? '' : ` over ${formatDuration(a.sample_period_ms)}`;
  // A reset no longer meets the condition, so it shows the threshold it crossed back over; a report has none.
  const condition = a.type === 'reset'
    ? `back past ${a.reset_threshold ?? a.threshold}`
    : a.type === 'report' ? '' : `${a.operator ?? ''} ${a.threshold ?? ''}`.trim();
  return `${[a.area, value, condition].filter((part) => part !== '').join(' ')}${window}`;
}

/** formatAlert renders one alert event as one line for a terminal. */
export function formatAlert(a: AlertEvent): string {
  return `${new Date(a.at_ms).toISOString()}  ${a.type.toUpperCase().padEnd(8)} ${a.level.padEnd(8)} ${a.entity}  ${a.rule_id}: ${alertCondition(a)}`;
}

/** registerAlerts adds `callwatch alerts tail` to the CLI. */
export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('read alert events');
  alerts
    .command('tail')
    .description('print alert events (fired, repeated, reset, report) as they arrive, until Ctrl-C')
    .option('--from-beginning', 'start with the oldest event still on the topic')
    .option('--json', 'print each event as one JSON object per line')
    .action(async (flags: { fromBeginning?: boolean; json?: boolean }) => {
      const connection = await connect(cliConfig(), 'callwatch-cli', ['alert']);
      const consumer = await startBatchConsumer({
        ...connection,
        log: createLogger('cli', 'warn'),
        groupId: `callwatch-cli-tail-${randomUUID()}`,
        topic: connection.topics.alert,
        schema: 'alert',
        fromBeginning: flags.fromBeginning ?? false,
        deadLetter: false,
        handle: async (batch) => {
          for (const m of batch.messages) process.stdout.write(`${flags.json ? JSON.stringify(m.value) : formatAlert(m.value)}\n`);
        },
      });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await consumer.stop();
      await connection.close();
    });
}
