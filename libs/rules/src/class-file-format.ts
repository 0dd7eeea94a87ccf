import type { AlertEventType, ClassNotificationKind } from '@callwatch/schemas';

/** CLASS_FILE_FIELDS lists every field of a customer class in a class file, in the order `classToFile` writes them. */
export const CLASS_FILE_FIELDS = ['name', 'description', 'template_set', 'notifications', 'rule_recipients'] as const;

/** TEMPLATE_SET_FIELDS lists the fields of a class's `template_set`. */
export const TEMPLATE_SET_FIELDS = ['name', 'templates'] as const;

/** CLASS_NOTIFICATION_KINDS lists the keys of one `notifications` entry, exactly one of which is set, from most specific to least. */
export const CLASS_NOTIFICATION_KINDS = ['rule', 'area', 'event', 'report'] as const satisfies readonly ClassNotificationKind[];

/** TEMPLATE_KEY_TYPES are the alert types a template-set key may name after its dot (`asr.reset`). */
export const TEMPLATE_KEY_TYPES = ['fired', 'repeated', 'reset', 'report'] as const satisfies readonly AlertEventType[];

/** ClassFileNotification is one `notifications` entry as written in a file: what it names, and whether it is on. */
export type ClassFileNotification = ({ rule: string } | { area: string } | { event: string } | { report: string }) & { enabled: boolean };

/** ClassFile is one customer class in the file format of docs/classes.md; optional fields are left out when they hold their default. */
export interface ClassFile {
  name: string;
  description?: string;
  /** null (or absent): no set assigned, so the class's customers get no notifications of their own. */
  template_set: null | { name: string; templates?: Record<string, string> };
  notifications?: ClassFileNotification[];
  rule_recipients?: boolean;
}
