import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CallwatchError, formatDuration, parseEntity } from '@callwatch/core';
import { PenaltyStore, RedisKeys, createRedis, liftPenalty as lift, type ActivePenalty } from '@callwatch/redis';
import { connect } from '@callwatch/kafka';
import type { Action } from '@callwatch/schemas';
import { cliConfig } from '../env';

async function withStore<T>(env: NodeJS.ProcessEnv, fn: (store: PenaltyStore) => Promise<T>): Promise<T> {
  const config = cliConfig(env);
  const redis = createRedis(config, { name: 'callwatch-cli' });
  try {
    return await fn(new PenaltyStore(redis, new RedisKeys(config.REDIS_KEY_PREFIX)));
  } finally {
    redis.disconnect();
  }
}

/** listPenalties returns the active penalties, soonest end first. */
export function listPenalties(env: NodeJS.ProcessEnv = process.env): Promise<ActivePenalty[]> {
  return withStore(env, (store) => store.list());
}

/** formatPenalties renders active penalties as a table with the time left. */
export function formatPenalties(penalties: ActivePenalty[], now = Date.now()): string {
  if (penalties.length === 0) return 'no active penalties\n';
  return `${penalties
    .map((p) => `${p.entity.padEnd(28)} until ${new Date(p.until_ms).toISOString()} (${formatDuration(Math.max(0, Math.round((p.until_ms - now) / 1000) * 1000))} left)  ${p.rule_id}: ${p.reason}`)
    .join('\n')}\n`;
}

/**
 * liftPenalty ends an entity's penalty now and publishes its `enable` action; it claims the penalty the way an
 * enforcer's expiry does, so a lift racing an expiry publishes one `enable`.
 */
export async function liftPenalty(entity: string, options: { by?: string; reason?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Action> {
  try {
    parseEntity(entity);
  } catch (err) {
    throw new CallwatchError('CW_ERR_CLI_USAGE', `--entity: ${(err as Error).message}`);
  }
  const env = options.env ?? process.env;
  const by = options.by ?? userInfo().username;
  return withStore(env, async (store) => {
    const publish = async (action: Action) => {
      const connection = await connect(cliConfig(env), 'callwatch-cli', ['action']);
      try {
        await connection.publisher.publish(connection.topics.action, 'action', [{ key: entity, value: action }]);
      } finally {
        await connection.close();
      }
    };
    try {
      return await lift(store, entity, { by, reason: options.reason, owner: `cli-${by}-${process.pid}`, publish });
    } catch (err) {
      if (err instanceof CallwatchError && err.code === 'CW_ERR_NO_PENALTY') throw new CallwatchError('CW_ERR_CLI_USAGE', err.message);
      throw err;
    }
  });
}

/** registerPenalties adds `callwatch penalties list|lift` to the CLI. */
export function registerPenalties(program: Command): void {
  const penalties = program.command('penalties').description('penalties the enforcer applied: entities disabled until a time');
  penalties
    .command('list')
    .description('active penalties, soonest end first')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const list = await listPenalties();
      process.stdout.write(flags.json ? `${JSON.stringify(list, null, 2)}\n` : formatPenalties(list));
    });
  penalties
    .command('lift')
    .description("end an entity's penalty now and publish its enable action")
    .requiredOption('--entity <entity>', 'customer:<id> or carrier:<id>')
    .option('--reason <text>', 'why, recorded in the action')
    .option('--by <name>', 'who lifts it (default: $USER)')
    .action(async (flags: { entity: string; reason?: string; by?: string }) => {
      const action = await liftPenalty(flags.entity, { ...(flags.by ? { by: flags.by } : {}), ...(flags.reason ? { reason: flags.reason } : {}) });
      process.stdout.write(`enabled ${action.entity}: ${action.reason}\n`);
    });
}
