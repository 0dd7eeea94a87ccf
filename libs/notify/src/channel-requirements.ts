import { CallwatchError } from '@callwatch/core';
import type { NotifyChannel, Rule } from '@callwatch/schemas';
import type { NotifyConfig } from './transport';

type Required = 'WEBHOOK_SECRET' | 'PUSHOVER_TOKEN';

// The channels that cannot send at all without a setting: webhooks are never sent unsigned, Pushover needs the app token.
const REQUIRES: Partial<Record<NotifyChannel, Required>> = { webhook: 'WEBHOOK_SECRET', pushover: 'PUSHOVER_TOKEN' };

/**
 * channelConfigProblems lists, per missing setting, the rules whose notify list needs it (a webhook target needs
 * WEBHOOK_SECRET, a Pushover target PUSHOVER_TOKEN); empty when every rule's channels can send.
 */
export function channelConfigProblems(rules: Iterable<Pick<Rule, 'id' | 'notify'>>, config: Pick<NotifyConfig, Required>): string[] {
  const needing = new Map<Required, string[]>();
  for (const rule of rules) {
    for (const { channel } of rule.notify) {
      const variable = REQUIRES[channel];
      if (variable === undefined || config[variable] !== '') continue;
      const ids = needing.get(variable) ?? [];
      if (!ids.includes(rule.id)) ids.push(rule.id);
      needing.set(variable, ids);
    }
  }
  return [...needing].map(([variable, ids]) => {
    const who = ids.length === 1 ? `rule ${ids[0]} notifies` : `rules ${ids.join(', ')} notify`;
    return `${variable} is not set, but ${who} ${variable === 'WEBHOOK_SECRET' ? 'a webhook' : 'Pushover'}`;
  });
}

/** checkChannelConfig throws CW_ERR_CONFIG naming the missing variables when a rule notifies a channel that could not send; the notifier calls it at start. */
export function checkChannelConfig(rules: Iterable<Pick<Rule, 'id' | 'notify'>>, config: Pick<NotifyConfig, Required>): void {
  const problems = channelConfigProblems(rules, config);
  if (problems.length > 0) throw new CallwatchError('CW_ERR_CONFIG', `invalid configuration:\n  ${problems.join('\n  ')}`, { details: { problems } });
}
