import type { ClassNotification, CustomerClass } from '@callwatch/schemas';
import type { ClassFile, ClassFileNotification } from './class-file-format';

/**
 * classToFile turns a CustomerClass back into the file format of docs/classes.md (for `callwatch classes export`),
 * leaving out fields that hold their default but always writing `template_set`, whose null turns everything off.
 */
export function classToFile(cls: CustomerClass): ClassFile {
  // Fields are added in the order of CLASS_FILE_FIELDS, so exports read like the documented example.
  const file: Partial<ClassFile> = { name: cls.name };
  if (cls.description !== null) file.description = cls.description;
  const set = cls.template_set;
  file.template_set = set === null ? null : Object.keys(set.templates).length > 0 ? { name: set.name, templates: { ...set.templates } } : { name: set.name };
  if (cls.notifications.length > 0) file.notifications = cls.notifications.map(notificationToFile);
  if (cls.rule_recipients) file.rule_recipients = true;
  return file as ClassFile;
}

/** classEquals tells whether two classes say the same thing, ignoring who applied them and when (and the order of templates). */
export function classEquals(a: CustomerClass, b: CustomerClass): boolean {
  return classChanges(a, b).length === 0;
}

/**
 * classChanges lists, field by field, how `to` differs from `from`, for the plan that `classes diff` and `apply`
 * print: `template_set.templates.asr.reset: (none) → gold-asr-ok`, `notifications[1]: area asr on → area asr off`.
 */
export function classChanges(from: CustomerClass, to: CustomerClass): string[] {
  const changes: string[] = [];
  const change = (field: string, a: string, b: string): void => {
    if (a !== b) changes.push(`${field}: ${a} → ${b}`);
  };
  change('description', from.description ?? '(none)', to.description ?? '(none)');
  const setA = from.template_set;
  const setB = to.template_set;
  if (setA === null || setB === null) {
    change('template_set', setA?.name ?? '(none)', setB?.name ?? '(none)');
  } else {
    change('template_set.name', setA.name, setB.name);
    for (const key of [...new Set([...Object.keys(setA.templates), ...Object.keys(setB.templates)])].sort()) {
      change(`template_set.templates.${key}`, setA.templates[key] ?? '(none)', setB.templates[key] ?? '(none)');
    }
  }
  // Entries are compared by position: order matters, since among equally specific entries the later wins.
  for (let i = 0; i < Math.max(from.notifications.length, to.notifications.length); i++) {
    change(`notifications[${i}]`, showNotification(from.notifications[i]), showNotification(to.notifications[i]));
  }
  change('rule_recipients', String(from.rule_recipients), String(to.rule_recipients));
  return changes;
}

function showNotification(n: ClassNotification | undefined): string {
  return n === undefined ? '(none)' : `${n.kind} ${n.match} ${n.enabled ? 'on' : 'off'}`;
}

function notificationToFile(n: ClassNotification): ClassFileNotification {
  return { [n.kind]: n.match, enabled: n.enabled } as ClassFileNotification;
}
