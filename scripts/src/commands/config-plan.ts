/** ConfigPlan is what applying files would change on a compacted topic: items to create, to update, and those already as in the files. */
export interface ConfigPlan<T> {
  create: T[];
  update: T[];
  unchanged: T[];
}

/** ConfigKind is one kind of configuration kept on a compacted topic (rules, templates, classes): its key, equality and field-level changes. */
export interface ConfigKind<T> {
  key(item: T): string;
  /** equals ignores who applied an item and when */
  equals(a: T, b: T): boolean;
  /** changes lists how `to` differs from `from`, one line per field (`threshold: 30 → 25`) */
  changes(from: T, to: T): string[];
}

/** planConfig compares the items in the files with those on the topic. */
export function planConfig<T>(kind: ConfigKind<T>, wanted: readonly T[], current: (key: string) => T | undefined): ConfigPlan<T> {
  const plan: ConfigPlan<T> = { create: [], update: [], unchanged: [] };
  for (const item of wanted) {
    const existing = current(kind.key(item));
    if (!existing) plan.create.push(item);
    else if (kind.equals(existing, item)) plan.unchanged.push(item);
    else plan.update.push(item);
  }
  return plan;
}

/** printConfigPlan prints a plan: `+` new items, `~` changed ones with each changed field, `=` unchanged ones. */
export function printConfigPlan<T>(kind: ConfigKind<T>, plan: ConfigPlan<T>, current: (key: string) => T | undefined, print: (line: string) => void): void {
  for (const item of plan.create) print(`+ ${kind.key(item)}  (new)`);
  for (const item of plan.update) {
    print(`~ ${kind.key(item)}  (changed)`);
    for (const change of kind.changes(current(kind.key(item)) as T, item)) print(`    ${change}`);
  }
  for (const item of plan.unchanged) print(`= ${kind.key(item)}  (unchanged)`);
}
