/** EntityKind is the kind of an entity: a customer (ingress) or a carrier (egress). */
export type EntityKind = 'customer' | 'carrier';

/** entityKey is the Kafka key and Redis hash tag of an entity: `customer:<id>` or `carrier:<id>`. */
export function entityKey(kind: EntityKind, id: string): string {
  return `${kind}:${id}`;
}

/** parseEntity splits `customer:acme` into its kind and id; it throws on anything else. */
export function parseEntity(entity: string): { kind: EntityKind; id: string } {
  const colon = entity.indexOf(':');
  const kind = entity.slice(0, colon);
  const id = entity.slice(colon + 1);
  if (colon < 1 || id === '' || (kind !== 'customer' && kind !== 'carrier')) {
    throw new Error(`expected an entity such as customer:<id> or carrier:<id>, got "${entity}"`);
  }
  return { kind, id };
}
