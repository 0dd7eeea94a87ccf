import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { CallwatchError } from '@callwatch/core';
import { alignedRange, STATS_INTERVALS, trafficStats, type StatsInterval, type TrafficStat } from '@callwatch/clickhouse';
import type { ChartFormat } from '@callwatch/notify';
import { entityFlag, timeRange, withHistory } from '../history';
import { renderStatsChart, type ChartArea } from './stats-chart';
import { formatStats, rangeLabel, STATS_AREAS, STATS_FORMATS, type StatsArea, type StatsFormat } from './stats-format';

/** StatsFlags are the flags of `callwatch stats` as the command line gives them. */
export interface StatsFlags {
  entity?: string;
  by?: string;
  since?: string;
  from?: string;
  to?: string;
  format?: string;
  area?: string[];
  chart?: string;
}

/** StatsCommandOptions say where to read, where to print (stdout, and stderr for notes), and the clock. */
export interface StatsCommandOptions {
  env?: NodeJS.ProcessEnv;
  print?: (text: string) => void;
  warn?: (line: string) => void;
  now?: number;
}

/** DEFAULT_SINCE is how far back `stats` looks without --since/--from, per interval. */
export const DEFAULT_SINCE: Record<StatsInterval, string> = { hour: '24h', day: '30d', month: '365d' };

const usage = (message: string) => new CallwatchError('CW_ERR_CLI_USAGE', message);

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw usage(`${flag}: expected ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

// `--area asr ner` and `--area asr,ner` both work.
function checkAreas(areas: string[] | undefined): StatsArea[] {
  const names = (areas ?? []).flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  return [...new Set(names.map((a) => oneOf('--area', a, STATS_AREAS)))];
}

interface ChartFile {
  path: string;
  entity: string;
  format: ChartFormat;
  areas: ChartArea[];
}

function checkChart(path: string | undefined, entity: string | undefined, areas: StatsArea[]): ChartFile | undefined {
  if (path === undefined) return undefined;
  const format = extname(path).toLowerCase().slice(1);
  if (format !== 'png' && format !== 'svg') throw usage(`--chart: expected a file name ending in .png or .svg, got "${path}"`);
  if (entity === undefined) throw usage('--chart draws one entity: give --entity');
  if (areas.includes('codes')) throw usage('--chart: SIP codes are not drawn; leave codes out of --area');
  return { path, entity, format, areas: areas as ChartArea[] };
}

const stdout = (text: string) => void process.stdout.write(text);
const stderr = (line: string) => void process.stderr.write(`${line}\n`);

/**
 * showStats prints an entity's (or every entity's) traffic per hour, day or month from the recorded history, and
 * with --chart draws ASR and attempts (and the --area areas) into a PNG or SVG file. With nothing recorded in the
 * range it says so: a line in place of the table, or on stderr beside an empty CSV or JSON document.
 */
export async function showStats(flags: StatsFlags, options: StatsCommandOptions = {}): Promise<TrafficStat[]> {
  const { env = process.env, print = stdout, warn = stderr, now = Date.now() } = options;
  const by = oneOf('--by', flags.by ?? 'hour', STATS_INTERVALS);
  const format = oneOf<StatsFormat>('--format', flags.format ?? 'table', STATS_FORMATS);
  const chosen = checkAreas(flags.area);
  const areas = chosen.length > 0 ? chosen : STATS_AREAS;
  const entity = flags.entity === undefined ? undefined : entityFlag(flags.entity);
  const chart = checkChart(flags.chart, entity, chosen);
  const query = { entity, by, ...timeRange(flags, now, DEFAULT_SINCE[by]) };
  const rows = await withHistory(env, (history) => trafficStats(history, query));
  const range = alignedRange(query);
  // Machine-readable output stays a valid document; what people read beside it goes to stderr.
  const note = format === 'table' ? (line: string) => print(`${line}\n`) : warn;
  if (rows.length === 0) {
    if (format !== 'table') print(formatStats(rows, format, { by, areas, ...range }));
    note(`nothing was recorded for ${entity ?? 'any entity'} from ${rangeLabel(range.fromMs, range.toMs, by)}`);
    return rows;
  }
  print(formatStats(rows, format, { by, areas, ...range }));
  if (chart) {
    let image: Buffer;
    try {
      image = renderStatsChart({ entity: chart.entity, by, ...range, rows, areas: chart.areas, format: chart.format });
    } catch (err) {
      throw new CallwatchError('CW_ERR_CHART', `chart of ${chart.entity}: ${(err as Error).message}`, { cause: err });
    }
    writeFileSync(chart.path, image);
    note(`chart written to ${chart.path}`);
  }
  return rows;
}

/** registerStats adds `callwatch stats` to the CLI. */
export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('traffic per hour, day or month from the recorded history (ClickHouse rollups): attempts, ASR, NER, ACD, PDD, SDR, peak CPS and channels, spend, margin, SIP codes')
    .option('--entity <entity>', 'only this entity: customer:<id> or carrier:<id> (default: every entity)')
    .option('--by <interval>', `one row per UTC ${STATS_INTERVALS.join(', ')}`, 'hour')
    .option('--since <time>', `from this time to now: a duration ago (7d, 36h) or a time (2026-11-01, 2026-11-01T14:00, epoch ms); default ${Object.entries(DEFAULT_SINCE).map(([b, d]) => `${d} by ${b}`).join(', ')}`)
    .option('--from <time>', 'the start of the range (a time or a duration ago)')
    .option('--to <time>', 'the end of the range (default: now)')
    .option('--format <table|csv|json>', 'output format', 'table')
    .option('--area <area...>', `only these areas: ${STATS_AREAS.join(', ')} (default: all)`)
    .option('--chart <file>', 'also draw ASR and attempts (and the --area areas) over time into a .png or .svg file; needs --entity')
    .addHelpText(
      'after',
      '\nEvery interval the range overlaps is shown whole, in UTC; an interval without traffic has no row.\n'
        + '\nExample:\n  $ callwatch stats --entity customer:acme --by day --since 30d\n'
        + '  $ callwatch stats --entity carrier:telco --from 2026-11-30 --to 2026-12-02 --area attempts asr ner --chart telco.png\n'
        + '  $ callwatch stats --by month --format csv > traffic.csv\n',
    )
    .action(async (flags: StatsFlags) => {
      await showStats(flags);
    });
}
