import type { AlertEvent, ClassNotification, CustomerClass, Rule } from '@callwatch/schemas';
import { globMatches } from './silence';

// A customer class (callwatch.class.v1, docs/classes.md) decides which notifications reach its customers' own
// contacts, and with which templates. The most specific entry that names a notification decides it; among equally
// specific entries, the later. A notification no entry names is on, so a new rule is never silently swallowed.

/** RecipientKind says where a recipient came from: the account's contacts (`contacts: true`), or the rule's own notify list (a Recipient's `source`). */
export type RecipientKind = 'contact' | 'rule';

/** ClassDecision is whether one alert goes to one kind of recipient of a class's customer, and with which template; or why not. */
export type ClassDecision = { send: true; templateId?: string } | { send: false; reason: string };

/** ClassDecisionInput is what classDecision judges: the customer's class, the alert, its rule and the kind of recipient. */
export interface ClassDecisionInput {
  cls: CustomerClass;
  alert: Pick<AlertEvent, 'rule_id' | 'area' | 'type'>;
  rule: Pick<Rule, 'area' | 'extra_json'>;
  recipientKind: RecipientKind;
}

/**
 * classDecision applies a customer's class to one alert and one kind of recipient. Contacts get nothing while the
 * class has no template set; otherwise the deciding entry (if any) switches the notification on or off, and a
 * contact gets the set's template for the alert's area (or event, or report) and type when it has one. A rule's own
 * recipients follow the entries only with `rule_recipients: true`, and always keep the rule's template.
 */
export function classDecision({ cls, alert, rule, recipientKind }: ClassDecisionInput): ClassDecision {
  if (recipientKind === 'rule' && !cls.rule_recipients) return { send: true };
  if (recipientKind === 'contact' && cls.template_set === null) return { send: false, reason: `class ${cls.name}: no template set assigned` };
  const event = eventOf(alert, rule);
  const entry = decidingEntry(cls.notifications, alert, event);
  if (entry !== null && !entry.enabled) return { send: false, reason: `class ${cls.name}: ${entry.kind} ${entry.match} off` };
  if (recipientKind === 'rule' || cls.template_set === null) return { send: true };
  const templates = cls.template_set.templates;
  const templateId = templateKeys(alert, event).map((key) => templates[key]).find((id) => id !== undefined);
  return templateId === undefined ? { send: true } : { send: true, templateId };
}

// Specificity of an entry for an alert, higher wins; 0 when it does not name the alert. An area entry names the
// alerts of its area's rules, not their reports: `report` entries (and rule entries) govern those.
function specificity(entry: ClassNotification, alert: ClassDecisionInput['alert'], event: string | null): number {
  const report = alert.type === 'report';
  switch (entry.kind) {
    case 'rule': return !globMatches(entry.match, alert.rule_id) ? 0 : /[*?]/.test(entry.match) ? 4 : 5;
    case 'event': return event !== null && entry.match === event ? 3 : 0;
    case 'area': return !report && entry.match === alert.area ? 2 : 0;
    case 'report': return report && entry.match === '*' ? 1 : 0;
  }
}

function decidingEntry(entries: readonly ClassNotification[], alert: ClassDecisionInput['alert'], event: string | null): ClassNotification | null {
  let best: ClassNotification | null = null;
  let bestRank = 0;
  for (const entry of entries) {
    const rank = specificity(entry, alert, event);
    // `>=`: a later entry of the same specificity overrides an earlier one.
    if (rank > 0 && rank >= bestRank) {
      best = entry;
      bestRank = rank;
    }
  }
  return best;
}

// Template-set keys to try, most specific first: `asr.reset` then `asr`; `penalty_applied.fired`, `penalty_applied`,
// then the `event` area's; `balance.report` then `report`.
function templateKeys(alert: ClassDecisionInput['alert'], event: string | null): string[] {
  if (alert.type === 'report') return [`${alert.area}.report`, 'report'];
  const area = [`${alert.area}.${alert.type}`, alert.area];
  return event === null ? area : [`${event}.${alert.type}`, event, ...area];
}

// The event an event rule notifies on is kept in its extras (libs/rules eventRuleOf, which notify does not depend on).
function eventOf(alert: ClassDecisionInput['alert'], rule: ClassDecisionInput['rule']): string | null {
  if (alert.area !== 'event' || rule.area !== 'event' || rule.extra_json === null) return null;
  const extra = JSON.parse(rule.extra_json) as { event?: unknown };
  return typeof extra.event === 'string' ? extra.event : null;
}
