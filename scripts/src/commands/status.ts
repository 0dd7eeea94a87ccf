import type { Command } from 'commander';
import { formatDuration, parseEntity, redactUrl } from '@callwatch/core';
import { RedisKeys, createRedis, readEntity, type StoredEntity } from '@callwatch/redis';
import type { Window } from '@callwatch/schemas';
import { cliConfig, type CliConfig } from '../env';

/** EntityStatus is what Redis holds for one entity: its clock, late events, gauges, and one window per sample period. */
export type EntityStatus = StoredEntity;

/** entityStatus reads an entity's windows from Redis, as the aggregator last left them. */
export async function entityStatus(entity: string, env: NodeJS.ProcessEnv = process.env): Promise<EntityStatus> {
  parseEntity(entity);
  const config = cliConfig(env);
  const keys = new RedisKeys(config.REDIS_KEY_PREFIX);
  const redis = createRedis(config, { name: 'callwatch-cli' });
  try {
    return await readEntity(redis, keys, entity);
  } finally {
    redis.disconnect();
  }
}

const AREAS: Array<[keyof Window, string, (v: number) => string]> = [
  ['attempts', 'attempts', (v) => String(v)],
  ['answered', 'answered', (v) => String(v)],
  ['asr', 'ASR', (v) => `${v.toFixed(1)}%`],
  ['ner', 'NER', (v) => `${v.toFixed(1)}%`],
  ['acd', 'ACD', (v) => `${v.toFixed(1)} s`],
  ['pdd', 'PDD', (v) => `${Math.round(v)} ms`],
  ['sdr', 'SDR', (v) => `${v.toFixed(1)}%`],
  ['cps', 'CPS (peak)', (v) => String(v)],
  ['spend', 'spend', (v) => v.toFixed(4)],
  ['margin', 'margin', (v) => v.toFixed(4)],
];

/** formatStatus renders an entity's status as a table: one row per area, one column per sample period. */
export function formatStatus(status: EntityStatus): string {
  const creditUsed = status.creditUsed === null ? '-' : `${status.creditUsed.toFixed(1)}%`;
  const gauges = `channels ${status.channels ?? '-'}${status.expired > 0 ? ` (${status.expired} expired)` : ''}  balance ${status.balance ?? '-'}`
    + `  credit ${status.credit ?? '-'}  credit_used ${creditUsed}`;
  if (status.clockMs === null) return `${status.entity}: no calls counted yet  ${gauges}\n`;
  const header = ['area', ...status.windows.map((w) => formatDuration(w.sample_period_ms))];
  const rows = AREAS.map(([field, label, format]) => [label, ...status.windows.map((w) => (w[field] === null ? '-' : format(w[field] as number)))]);
  const codes = [...new Set(status.windows.flatMap((w) => Object.keys(w.codes)))].sort();
  for (const code of codes) rows.push([`SIP ${code}`, ...status.windows.map((w) => String(w.codes[code] ?? 0))]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [
    `${status.entity}  clock ${new Date(status.clockMs).toISOString()}  late ${status.late}  ${gauges}`,
    line(header),
    ...rows.map(line),
    '',
  ].join('\n');
}

/**
 * nothingFoundHint says where `status` looked when Redis holds nothing of the entity: a wrong prefix is the usual
 * reason (each demo run has its own), so it names both prefixes and how to choose another deployment.
 */
export function nothingFoundHint(status: EntityStatus, config: Pick<CliConfig, 'REDIS_URL' | 'REDIS_KEY_PREFIX' | 'TOPIC_PREFIX'>): string | null {
  if (status.clockMs !== null || status.balance !== null || status.channels !== null || status.version !== 0) return null;
  return [
    `callwatch: nothing stored for ${status.entity} under Redis keys "${config.REDIS_KEY_PREFIX}*" at ${redactUrl(config.REDIS_URL)}`
      + ` (topic prefix "${config.TOPIC_PREFIX}").`,
    'Point at the deployment that counts it: --prefix <run> (the demo prints its run), --env-file <file>, or TOPIC_PREFIX and REDIS_KEY_PREFIX.',
  ].join('\n');
}

/** registerStatus adds `callwatch status` to the CLI. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("print an entity's current metrics for every sample period, from Redis")
    .requiredOption('--entity <entity>', 'customer:<id> or carrier:<id>')
    .option('--json', 'print JSON')
    .action(async (flags: { entity: string; json?: boolean }) => {
      const status = await entityStatus(flags.entity);
      process.stdout.write(flags.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      const hint = nothingFoundHint(status, cliConfig());
      if (hint !== null) process.stderr.write(`${hint}\n`);
    });
}
