import { CallwatchError, readSecretFile, type ConfigOf } from '@callwatch/core';
import { createTargetGuard, shownUrl, type TargetGuard } from '@callwatch/notify/webhook';
import type { ENFORCER_ENV } from './config';

/** ActionWebhookSettings are the action webhook's settings once checked: where actions go, the key that signs them, and how hard to try. */
export interface ActionWebhookSettings {
  urls: string[];
  secret: string;
  guard: TargetGuard;
  timeoutMs: number;
  backoff: { initialDelayMs: number; maxDelayMs: number; factor: number };
  concurrency: number;
}

/**
 * actionWebhookSettings reads the ACTION_WEBHOOK_* settings (the secret from its file, if one is named) and returns
 * null when no URL is set; settings that do not fit together throw one CW_ERR_CONFIG that lists every problem.
 */
export function actionWebhookSettings(config: ConfigOf<typeof ENFORCER_ENV>): ActionWebhookSettings | null {
  const problems: string[] = [];
  const { ACTION_WEBHOOK_URL: urls, ACTION_WEBHOOK_SECRET: inline, ACTION_WEBHOOK_SECRET_FILE: file } = config;
  if (inline && file) problems.push('ACTION_WEBHOOK_SECRET and ACTION_WEBHOOK_SECRET_FILE are both set: set one of them');
  const secret = file ? readSecretFile('ACTION_WEBHOOK_SECRET_FILE', file, problems) : inline;
  if (urls.length > 0 && !inline && !file) {
    problems.push('ACTION_WEBHOOK_URL is set, but neither ACTION_WEBHOOK_SECRET nor ACTION_WEBHOOK_SECRET_FILE is: actions are never sent unsigned');
  }
  if (config.ACTION_WEBHOOK_RETRY_MIN_MS <= 0 || config.ACTION_WEBHOOK_RETRY_MIN_MS > config.ACTION_WEBHOOK_RETRY_MAX_MS) {
    problems.push(`ACTION_WEBHOOK_RETRY_MIN_MS (${config.ACTION_WEBHOOK_RETRY_MIN_MS}) must be above 0 and at most ACTION_WEBHOOK_RETRY_MAX_MS (${config.ACTION_WEBHOOK_RETRY_MAX_MS})`);
  }
  const twice = urls.filter((url, i) => urls.indexOf(url) !== i);
  if (twice.length > 0) problems.push(`ACTION_WEBHOOK_URL names ${twice.map((url) => shownUrl('webhook', url)).join(', ')} more than once`);
  if (problems.length > 0) throw new CallwatchError('CW_ERR_CONFIG', `invalid configuration:\n  ${problems.join('\n  ')}`, { details: { problems } });
  if (urls.length === 0 || secret === undefined) return null;
  return {
    urls,
    secret,
    guard: createTargetGuard(config.NOTIFY_ALLOW_TARGETS),
    timeoutMs: config.ACTION_WEBHOOK_TIMEOUT_MS,
    backoff: { initialDelayMs: config.ACTION_WEBHOOK_RETRY_MIN_MS, maxDelayMs: config.ACTION_WEBHOOK_RETRY_MAX_MS, factor: 2 },
    concurrency: config.ACTION_WEBHOOK_CONCURRENCY,
  };
}

/**
 * checkActionTargets runs the target guard on every URL at start, so that a loopback or private switch that
 * NOTIFY_ALLOW_TARGETS does not allow stops the enforcer (CW_ERR_CONFIG) instead of holding every action back.
 * A host that does not resolve yet is no reason to stop: it is returned, and its actions wait for it.
 */
export async function checkActionTargets({ urls, guard }: Pick<ActionWebhookSettings, 'urls' | 'guard'>): Promise<Array<{ url: string; err: unknown }>> {
  const refused: string[] = [];
  const unresolved: Array<{ url: string; err: unknown }> = [];
  for (const url of urls) {
    try {
      await guard.resolve(new URL(url), 'webhook');
    } catch (err) {
      if (err instanceof CallwatchError && !err.retriable) refused.push(`ACTION_WEBHOOK_URL: ${err.message}`);
      else unresolved.push({ url, err });
    }
  }
  if (refused.length > 0) throw new CallwatchError('CW_ERR_CONFIG', `invalid configuration:\n  ${refused.join('\n  ')}`, { details: { problems: refused } });
  return unresolved;
}
