import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Type } from 'avsc';
import { RegistryCodec, projection } from '@callwatch/kafka';
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

  it('finishes such a registration when another registrar sets BACKWARD at the same moment (the registry answers 409)', async () => {
    const registry = scope.env.SCHEMA_REGISTRY_URL as string;
    const topic = `${scope.topics.alert}-race`;
    const subject = `${topic}-value`;
    const headers = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    await fetch(`${registry}/subjects/${subject}/versions`, { method: 'POST', headers, body: JSON.stringify({ schema: JSON.stringify(avroSchema('alert')) }) });
    await fetch(`${registry}/config/${subject}`, { method: 'PUT', headers, body: JSON.stringify({ compatibility: 'NONE' }) });
    // In front of the registry: the first PUT of the subject's compatibility loses the race to another registrar,
    // which sets BACKWARD just before, so Apicurio answers 409 as it does then.
    const origin = new URL(registry).origin;
    let raced = 0;
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
          if (req.method === 'PUT' && req.url?.endsWith(`/config/${subject}`) && raced++ === 0) {
            await fetch(`${origin}${req.url}`, { method: 'PUT', headers, body: JSON.stringify({ compatibility: 'BACKWARD' }) });
            res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ message: "A rule named 'COMPATIBILITY' already exists.", error_code: 0 }));
            return;
          }
          const answer = await fetch(`${origin}${req.url}`, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, body });
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
        })();
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as AddressInfo;
      const codec = new RegistryCodec(`http://127.0.0.1:${port}${new URL(registry).pathname}`);
      await codec.register('alert', topic);
      expect(raced).toBe(1);
      const config = await fetch(`${registry}/config/${subject}`);
      expect(((await config.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD');
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('registers a new subject from eight services at once: each gets the same id (none trips on the others)', async () => {
    // Services started together (compose, Kubernetes) register the same new subjects at the same moment.
    // Several new subjects in a row: the races (who creates the subject, who sets its compatibility) fall differently each time.
    for (const topic of [scope.topics.alert, ...[1, 2, 3, 4, 5].map((i) => `${scope.topics.alert}-${i}`)]) {
      const codecs = Array.from({ length: 8 }, () => new RegistryCodec(scope.env.SCHEMA_REGISTRY_URL as string));
      const ids = await Promise.all(codecs.map((codec) => codec.register('alert', topic)));
      expect(new Set(ids).size).toBe(1);
      const config = await fetch(`${scope.env.SCHEMA_REGISTRY_URL}/config/${topic}-value`);
      expect(((await config.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD');
    }
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

  it('decodes into a projection: only its fields, from our schema and from an older writer schema alike', async () => {
    await scope.codec.register('cdr', scope.topics.cdr);
    const fields = projection('cdr', ['cdr_id', 'customer_id', 'end_ms', 'charge', 'destination']);
    const value = cdr('acme', true, 1_700_000_000_000);
    const bytes = scope.codec.encode('cdr', value);
    expect(scope.codec.decode('cdr', bytes, fields)).toEqual({
      cdr_id: value.cdr_id, customer_id: 'acme', end_ms: value.end_ms, charge: value.charge, destination: value.destination,
    });
    // The whole schema still reads everything from the same codec (a resolver of its own).
    expect(scope.codec.decode('cdr', bytes)).toEqual(value);

    // A writer without `destination`: the projection takes its default, as the whole schema does.
    const old = JSON.parse(JSON.stringify(avroSchema('cdr'))) as { fields: Array<{ name: string }> };
    old.fields = old.fields.filter((f) => f.name !== 'destination');
    const res = await fetch(`${scope.env.SCHEMA_REGISTRY_URL}/subjects/${scope.id}-old-cdr-projected-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(old) }),
    });
    const { id } = (await res.json()) as { id: number };
    const header = Buffer.alloc(5);
    header.writeInt32BE(id, 1);
    const oldBytes = Buffer.concat([header, Type.forSchema(old as never).toBuffer(value)]);
    await scope.codec.prefetch([oldBytes]);
    expect(scope.codec.decode('cdr', oldBytes, fields)).toEqual({
      cdr_id: value.cdr_id, customer_id: 'acme', end_ms: value.end_ms, charge: value.charge, destination: null,
    });
  });

  it('refuses a projection naming a field the schema does not have', () => {
    expect(() => projection('cdr', ['cdr_id', 'duration' as never])).toThrow(/schema cdr has no field\(s\) duration/);
  });

  it('refuses values that do not match the schema, naming the fields', async () => {
    await scope.codec.register('cdr', scope.topics.cdr);
    expect(() => scope.codec.encode('cdr', { ...cdr('acme', true), end_ms: 'soon' } as never)).toThrow(/invalid field\(s\) end_ms/);
  });
});
