import { buildContext, renderNotification, sampleAccount, sampleAlert, templateFor } from '@callwatch/notify';
import { isReportRule } from '@callwatch/rules';
import type { AlertEventType, Rule, Template } from '@callwatch/schemas';

/** alertTypesOf lists the alert events a rule can send: a report rule reports, an event rule fires, a threshold rule fires, repeats and resets. */
export function alertTypesOf(rule: Rule): AlertEventType[] {
  if (isReportRule(rule)) return ['report'];
  return rule.area === 'event' ? ['fired'] : ['fired', 'repeated', 'reset'];
}

/**
 * rulesUsing lists the ids of the rules whose notifications the notifier would render with template `id`, were
 * `custom` the admins' templates: the rules that name it, and those that fall back to it (an override of their
 * area's stock template, or of `report` or `default`).
 */
export function rulesUsing(id: string, rules: Iterable<Rule>, custom: ReadonlyMap<string, Template>): string[] {
  const users: string[] = [];
  for (const rule of rules) {
    if (alertTypesOf(rule).some((type) => templateFor(rule.area, rule.template, custom, type).id === id)) users.push(rule.id);
  }
  return users.sort();
}

/** rulesNaming lists the ids of the rules whose `template` field names `id`. */
export function rulesNaming(id: string, rules: Iterable<Rule>): string[] {
  return [...rules].filter((rule) => rule.template === id).map((rule) => rule.id).sort();
}

/**
 * renderFailures renders `template` for a sample alert of each type a rule sends (its area, level, threshold and title),
 * as the notifier would, and returns one line per rule and type it fails for.
 */
export function renderFailures(template: Template, rules: readonly Rule[]): string[] {
  const failures: string[] = [];
  for (const rule of rules) {
    for (const type of alertTypesOf(rule)) {
      const alert = sampleAlert({
        type, area: rule.area, level: rule.level, rule_id: rule.id, rule_title: rule.title, sample_period_ms: rule.sample_period_ms,
        ...(type === 'report' || rule.threshold === null ? {} : { threshold: rule.threshold, operator: rule.operator, reset_threshold: rule.reset_threshold }),
      });
      try {
        renderNotification(template, buildContext(alert, rule, sampleAccount({ entity: alert.entity })));
      } catch (err) {
        failures.push(`rule ${rule.id} (${type} ${rule.level}): ${(err as Error).message}`);
      }
    }
  }
  return failures;
}
