import type { NotifyChannel } from '@callwatch/schemas';

/** EXTRA_FIELDS lists the fields of event, script and schedule rules, kept as JSON in a rule's `extra_json`. */
export const EXTRA_FIELDS = ['event', 'filter', 'script', 'schedule', 'timezone'] as const;

/** RULE_FILE_FIELDS lists every field of a rule in a rule file, in the order `ruleToFile` writes them. */
export const RULE_FILE_FIELDS = [
  'id', 'title', 'scope', 'area', 'operator', 'threshold', 'reset_threshold', 'sample_period', 'min_attempts',
  'for', 'repeat', 'level', 'penalty', 'codes', 'notify', 'template', 'group_by', 'group_wait', 'group_interval', 'enabled', ...EXTRA_FIELDS,
] as const;

/** SCOPE_KEYS lists the keys of a rule file's `scope` mapping, exactly one of which is set. */
export const SCOPE_KEYS = ['customer', 'carrier', 'class', 'all'] as const;

/** NOTIFY_KEYS lists the keys of one `notify` entry, exactly one of which is set: the channel. */
export const NOTIFY_KEYS = ['email', 'sms', 'webhook', 'slack', 'pushover', 'contacts'] as const satisfies readonly NotifyChannel[];

/** RuleFileScope is the `scope` of a rule as written in a file. */
export type RuleFileScope = { customer: string } | { carrier: string } | { class: string } | { all: 'customers' | 'carriers' };

/** RuleFileNotify is one `notify` entry as written in a file. */
export type RuleFileNotify = { email: string } | { sms: string } | { webhook: string } | { slack: string } | { pushover: { user: string } } | { contacts: true };

/** RuleFile is one rule in the file format of docs/design.md ("Rules"); optional fields are left out when they hold their default. */
export interface RuleFile {
  id: string;
  title: string;
  scope: RuleFileScope;
  area: string;
  operator?: string;
  threshold?: number;
  reset_threshold?: number;
  sample_period?: string;
  min_attempts?: number;
  for?: string;
  repeat?: string;
  level: string;
  penalty?: string;
  codes?: number[];
  notify?: RuleFileNotify[];
  template?: string;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  enabled?: boolean;
  event?: string;
  filter?: Record<string, unknown>;
  script?: string;
  schedule?: string;
  timezone?: string;
}
