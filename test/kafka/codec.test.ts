import { Type } from 'avsc';
import { RegistryCodec } from '@callwatch/kafka';
import { avroSchema } from '@callwatch/schemas';
import { cdr } from '../support/cdrs';
import { testScope, type TestScope } from '../support/harness';

describe('registry codec against the real schema registry', () => {
  let scope: TestScope;

  beforeAll(async () => {
    scope = await testScope('codec');
  });

  it('registers with BACKWARD compatibility and round-trips in the Confluent wire format', async () => {
    const id = await scope.codec.register('cdr', scope.topics.cdr);
    const value = cdr('acme', true, 1_700_000_000_000);
    const bytes = scope.codec.encode('cdr', value);
    expect(bytes.readUInt8(0)).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(scope.codec.decode('cdr', bytes)).toEqual(value);

    const config = await fetch(`${scope.env.SCHEMA_REGISTRY_URL}/config/${scope.topics.cdr}-value`);
    expect(((await config.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD');
  });

  it('finishes a registration that was killed between creating the subject and setting BACKWARD', async () => {
    // What a SIGKILL during start-up leaves behind: the subject exists at the registry default, NONE.
    const registry = scope.env.SCHEMA_REGISTRY_URL as string;
    const subject = `${scope.topics.metric}-value`;
    const headers = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    await fetch(`${registry}/subjects/${subject}/versions`, { method: 'POST', headers, body: JSON.stringify({ schema: JSON.stringify(avroSchema('metric')) }) });
    await fetch(`${registry}/config/${subject}`, { method: 'PUT', headers, body: JSON.stringify({ compatibility: 'NONE' }) });

    await scope.codec.register('metric', scope.topics.metric);
    const config = await fetch(`${registry}/config/${subject}`);
    expect(((await config.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD');
  });

  it('registers a new subject from eight services at once: each gets the same id (none trips on the others)', async () => {
    // Services started together (compose, Kubernetes) register the same new subjects at the same moment.
    const codecs = Array.from({ length: 8 }, () => new RegistryCodec(scope.env.SCHEMA_REGISTRY_URL as string));
    const ids = await Promise.all(codecs.map((codec) => codec.register('alert', scope.topics.alert)));
    expect(new Set(ids).size).toBe(1);
    const config = await fetch(`${scope.env.SCHEMA_REGISTRY_URL}/config/${scope.topics.alert}-value`);
    expect(((await config.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD');
  });

  it('reads messages written with an older schema, filling new fields with their defaults', async () => {
    // A switch still on an older CDR schema that has no `destination` field.
    const old = JSON.parse(JSON.stringify(avroSchema('cdr'))) as { fields: Array<{ name: string }> };
    old.fields = old.fields.filter((f) => f.name !== 'destination');
    const subject = `${scope.id}-old-cdr-value`;
    const res = await fetch(`${scope.env.SCHEMA_REGISTRY_URL}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(old) }),
    });
    const { id } = (await res.json()) as { id: number };
    const { destination: _dropped, ...value } = cdr('acme', false, 1_700_000_000_000);
    const body = Type.forSchema(old as never).toBuffer(value);
    const header = Buffer.alloc(5);
    header.writeInt32BE(id, 1);
    const bytes = Buffer.concat([header, body]);

    await scope.codec.prefetch([bytes]);
    expect(scope.codec.decode('cdr', bytes)).toEqual({ ...value, destination: null });
  });

  it('refuses values that do not match the schema, naming the fields', async () => {
    await scope.codec.register('cdr', scope.topics.cdr);
    expect(() => scope.codec.encode('cdr', { ...cdr('acme', true), end_ms: 'soon' } as never)).toThrow(/invalid field\(s\) end_ms/);
  });
});
