import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CallwatchError } from '@callwatch/core';
import {
  ALERT_LEVELS, ALERT_TYPES, STOCK_TEMPLATES, buildContext, formatSmsLength, renderNotification, sampleAccount, sampleAlert,
  smsLength, variantIndex, variantLabel, type RenderedNotification, type SmsLength,
} from '@callwatch/notify';
import { invalidFields, type Account, type AlertEvent, type Template } from '@callwatch/schemas';
import { isEpochMs } from '@callwatch/windows';
import { maxSmsSegments, validateTemplatePaths } from './template-files';
import { withTemplateTables } from './template-table';

/** RenderOptions are the flags of `templates render`, plus where to connect and where to print. */
export interface RenderOptions {
  /** template files to take the template from before the topic and the stock templates */
  files?: string[];
  /** the alert event as JSON, or a file holding it; missing fields take sampleAlert's values */
  alert?: string;
  /** the account snapshot as JSON, or a file holding it; without it the entity has no account */
  account?: string;
  /** a folder to write subject.txt, email.html, email.txt and sms.txt to, instead of printing */
  out?: string;
  maxSmsSegments?: number;
  env?: NodeJS.ProcessEnv;
  print?: (text: string) => void;
}

/** RenderResult is what `templates render` rendered, with where the template came from and what its SMS costs. */
export interface RenderResult {
  source: 'file' | 'topic' | 'stock';
  variant: string;
  rendered: RenderedNotification;
  sms: SmsLength;
}

/** RENDER_FILES names the files `templates render --out` writes, by part. */
export const RENDER_FILES: Record<keyof RenderedNotification, string> = { subject: 'subject.txt', html: 'email.html', text: 'email.txt', sms: 'sms.txt' };

// A flag takes JSON itself or a file of it: `{` starts JSON, anything else is a path.
function readJson(flag: string, value: string): Record<string, unknown> {
  let text = value;
  if (!value.trim().startsWith('{')) {
    if (!existsSync(value)) throw new CallwatchError('CW_ERR_CLI_USAGE', `${flag}: expected a JSON object or a file holding one, got "${value}" (no such file)`);
    try {
      text = readFileSync(value, 'utf8');
    } catch (err) {
      throw new CallwatchError('CW_ERR_CLI_USAGE', `${flag}: expected a JSON object or a file holding one, got "${value}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CallwatchError('CW_ERR_CLI_USAGE', `${flag}: expected a JSON object, got ${(err as Error).message}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CallwatchError('CW_ERR_CLI_USAGE', `${flag}: expected a JSON object, got ${JSON.stringify(parsed)}`);
  return parsed as Record<string, unknown>;
}

// Each given field must be one the schema has, of the sample's type (or null where the schema allows it).
function checkFields<T extends object>(flag: string, given: Record<string, unknown>, sample: T, nullable: ReadonlySet<string>): Partial<T> {
  for (const [key, value] of Object.entries(given)) {
    if (!(key in sample)) throw new CallwatchError('CW_ERR_CLI_USAGE', `${flag}: expected fields of ${Object.keys(sample).join(', ')}, got unknown field ${key}`);
    const expected = sample[key as keyof T];
    const ok = (value === null && nullable.has(key)) || (Array.isArray(expected) ? Array.isArray(value) : typeof value === typeof expected || expected === null);
    if (!ok) throw new CallwatchError('CW_ERR_CLI_USAGE', `${flag}: expected ${key} to be ${Array.isArray(expected) ? 'a list' : typeof expected}, got ${JSON.stringify(value)}`);
  }
  return given as Partial<T>;
}

const NULLABLE_ALERT = new Set(['value', 'threshold', 'reset_threshold', 'operator', 'sample_period_ms']);
const NULLABLE_ACCOUNT = new Set(['class', 'debit_limit', 'timezone', 'locale']);

/** renderAlert builds the alert event `templates render` renders: the given fields over sampleAlert's, checked against the schema. */
export function renderAlert(json: string | undefined): AlertEvent {
  const given = json === undefined ? {} : checkFields('--alert', readJson('--alert', json), sampleAlert(), NULLABLE_ALERT);
  if (given.type !== undefined && !ALERT_TYPES.includes(given.type)) throw new CallwatchError('CW_ERR_CLI_USAGE', `--alert: expected type ${ALERT_TYPES.join(', ')}, got "${given.type}"`);
  if (given.level !== undefined && !ALERT_LEVELS.includes(given.level)) throw new CallwatchError('CW_ERR_CLI_USAGE', `--alert: expected level ${ALERT_LEVELS.join(', ')}, got "${given.level}"`);
  return checkSchema('--alert', 'alert', sampleAlert(given), ['at_ms', 'first_fired_at_ms']);
}

// What the notifier would receive: a value its schema takes (ints, longs, enums), with times a date can hold.
function checkSchema<T extends object>(flag: string, schema: 'alert' | 'account', value: T, times: Array<keyof T & string>): T {
  const invalid = invalidFields(schema, value);
  if (invalid.length > 0) throw new CallwatchError('CW_ERR_CLI_USAGE', `${flag}: expected fields of the ${schema} schema (schemas/avro/${schema}.avsc), got invalid ${invalid.join(', ')}`);
  for (const time of times) {
    const ms = value[time] as number;
    if (!isEpochMs(ms)) throw new CallwatchError('CW_ERR_CLI_USAGE', `${flag}: expected ${time} in epoch milliseconds, got ${ms}`);
  }
  return value;
}

/** renderAccount builds the account snapshot `templates render` renders with: the given fields over sampleAccount's, checked against the schema. */
export function renderAccount(json: string | undefined, entity: string): Account | undefined {
  if (json === undefined) return undefined;
  return checkSchema('--account', 'account', sampleAccount({ entity, ...checkFields('--account', readJson('--account', json), sampleAccount(), NULLABLE_ACCOUNT) }), ['at_ms']);
}

// From the files when given and holding it, else the topic, else the stock templates.
async function findTemplate(id: string, options: RenderOptions, env: NodeJS.ProcessEnv, maxSegments: number, print: (text: string) => void): Promise<{ template: Template; source: RenderResult['source'] }> {
  if (options.files && options.files.length > 0) {
    const templates = await validateTemplatePaths(options.files, { appliedBy: userInfo().username, maxSmsSegments: maxSegments, warn: (line) => print(`${line}\n`) });
    const found = templates.find((t) => t.id === id);
    if (found) return { template: found, source: 'file' };
  }
  const live = await withTemplateTables(env, async ({ templates }) => templates.get(id));
  if (live) return { template: live, source: 'topic' };
  const stock = STOCK_TEMPLATES[id];
  if (stock) return { template: stock, source: 'stock' };
  throw new CallwatchError('CW_ERR_CLI_USAGE', `no such template: ${id} (not in the files given, on the template topic, nor a stock template)`);
}

/**
 * renderTemplate renders a template for an alert event as the notifier would, and writes its four parts to a folder
 * (`out`) or prints the subject, text and SMS, with what the SMS costs in segments.
 */
export async function renderTemplate(id: string, options: RenderOptions = {}): Promise<RenderResult> {
  const { env = process.env, print = (text: string) => void process.stdout.write(text) } = options;
  const maxSegments = options.maxSmsSegments ?? maxSmsSegments(env);
  const alert = renderAlert(options.alert);
  const account = renderAccount(options.account, alert.entity);
  const { template, source } = await findTemplate(id, options, env, maxSegments, print);
  const rendered = renderNotification(template, buildContext(alert, undefined, account));
  const sms = smsLength(rendered.sms);
  const variant = variantLabel(template, variantIndex(template.variants, alert.type, alert.level));
  const lines = [`template ${template.id} (${source}), ${variant}, for a ${alert.type} ${alert.level} ${alert.area} alert`];
  if (options.out) {
    mkdirSync(options.out, { recursive: true });
    for (const [part, file] of Object.entries(RENDER_FILES)) writeFileSync(join(options.out, file), rendered[part as keyof RenderedNotification]);
    lines.push(`wrote ${Object.values(RENDER_FILES).join(', ')} to ${options.out}`);
  } else {
    lines.push(`subject: ${rendered.subject}`, 'text:', ...rendered.text.replace(/\n+$/, '').split('\n').map((l) => `  ${l}`.trimEnd()), `sms: ${rendered.sms}`);
  }
  lines.push(`sms length: ${formatSmsLength(sms)}${sms.segments > maxSegments ? ` (more than ${maxSegments}: check the template)` : ''}`);
  print(`${lines.join('\n')}\n`);
  return { source, variant, rendered, sms };
}

/** registerTemplateRender adds `callwatch templates render` to the `templates` command. */
export function registerTemplateRender(templates: Command): void {
  templates
    .command('render')
    .description('render a template for an alert event (from files, else the topic, else stock) and print or write its parts')
    .argument('<id>', 'template id')
    .option('--alert <json|file>', 'the alert event (fields of the alert schema; missing ones take sample values)')
    .option('--account <json|file>', "the entity's account snapshot (name, currency, timezone, locale…)")
    .option('--file <paths...>', 'template files or folders to take the template from')
    .option('--out <dir>', 'write subject.txt, email.html, email.txt and sms.txt to this folder')
    .option('--max-sms-segments <n>', 'flag an SMS of more segments (default NOTIFY_SMS_MAX_SEGMENTS, 2)')
    .action(async (id: string, flags: { alert?: string; account?: string; file?: string[]; out?: string; maxSmsSegments?: string }) => {
      await renderTemplate(id, { alert: flags.alert, account: flags.account, files: flags.file, out: flags.out, maxSmsSegments: maxSmsSegments(process.env, flags.maxSmsSegments) });
    });
}
