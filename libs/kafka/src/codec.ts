import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { Type, type Resolver } from 'avsc';
import { CallwatchError, retry } from '@callwatch/core';
import { avroSchema, type SchemaName, type SchemaTypes } from '@callwatch/schemas';
import { registryRequest, type RegistryAccess, type RegistryResponse } from './registry-http';

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

/**
 * RegistryCodec encodes and decodes the Confluent wire format (magic byte, 4-byte schema id, Avro body)
 * synchronously: writer schemas are fetched once per id and cached, so the hot path makes no promise per message.
 */
/**
 * retriableRegistration: an incompatible schema or refused credentials stay so; anything else may pass on a retry,
 * including Apicurio's "A rule named 'COMPATIBILITY' already exists", which a service gets when another one set the
 * new subject's compatibility at the same moment (services started together register the same subjects).
 */
function retriableRegistration(err: unknown): boolean {
  const message = String((err as Error).message);
  if (/already exists/i.test(message)) return true;
  return !/compatib/i.test(message) && !deniedStatus(err);
}

export class RegistryCodec {
  private readonly registry: SchemaRegistry;
  private readonly readers = new Map<SchemaName, { id: number; type: Type }>();
  private readonly writers = new Map<number, Type>();
  // Ids the registry knows under a schema that is not Avro (Protobuf, JSON Schema) or not one avsc can read: their
  // messages are dead-lettered like any other undecodable message, rather than failing every batch that holds one.
  private readonly unreadable = new Map<number, string>();
  /** resolvers by reader type (ours, or a projection of it) and writer schema id */
  private readonly resolvers = new Map<Type, Map<number, Resolver>>();

  private readonly access: RegistryAccess;
  private readonly url: string;

  /** A plain URL is a registry without auth or a CA of its own; connectionSecurity() makes the access of a configured one. */
  constructor(access: RegistryAccess | string) {
    this.access = typeof access === 'string' ? { url: access } : access;
    this.url = this.access.url;
    this.registry = new SchemaRegistry({ host: this.url, auth: this.access.auth, agent: this.access.agent });
  }

  /** register registers our schema for a topic's value subject (BACKWARD compatible) and makes it the one we encode with. */
  async register(name: SchemaName, topic: string): Promise<number> {
    const schema = avroSchema(name);
    const subject = `${topic}-value`;
    const attempt = () => retry(
      () => this.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject, compatibility: COMPATIBILITY.BACKWARD }),
      { retries: 3, shouldRetry: (err) => retriableRegistration(err) },
    );
    try {
      let registered: { id: number };
      try {
        registered = await attempt();
      } catch (err) {
        // A registrar stopped between creating the subject and setting its compatibility (a SIGKILL during start-up)
        // leaves it at the registry default NONE, and every later start would refuse it. Finish its work: set
        // BACKWARD and try again. A subject someone set to another level is left alone.
        if (!/!= NONE/.test(String((err as Error).message))) throw err;
        await this.setBackward(subject);
        registered = await attempt();
      }
      const { id } = registered;
      const type = Type.forSchema(schema as never);
      this.readers.set(name, { id, type });
      this.writers.set(id, type);
      return id;
    } catch (err) {
      const status = deniedStatus(err);
      if (status) throw this.denied(status, `registering schema ${name} for subject ${subject}`, err);
      throw new CallwatchError('CW_ERR_REGISTRY', `could not register schema ${name} for subject ${subject} at ${this.url}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async setBackward(subject: string): Promise<void> {
    const response = await registryRequest(this.access, 'PUT', `/config/${encodeURIComponent(subject)}`, JSON.stringify({ compatibility: 'BACKWARD' }));
    if (response.status === 401 || response.status === 403) throw this.denied(response.status, `setting BACKWARD on ${subject}`);
    // Another registrar of the same new subject set its compatibility at the same moment: the attempt after this
    // one reads which level it set.
    if (response.status === 409 && /already exists/i.test(response.body)) return;
    if (response.status >= 300) throw new CallwatchError('CW_ERR_REGISTRY', `setting BACKWARD on ${subject}: HTTP ${response.status} ${response.body}`);
  }

  /** denied is the error of a registry that refused our credentials: no retry fixes that. */
  private denied(status: number, what: string, cause?: unknown): CallwatchError {
    const fix = this.access.auth
      ? 'check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD'
      : 'it wants credentials: set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD';
    const reason = status === 401 ? 'Unauthorized' : 'Forbidden';
    return new CallwatchError('CW_ERR_REGISTRY', `schema registry ${this.url} answered ${status} ${reason} to ${what}: ${fix}`, { retriable: false, cause, details: { status } });
  }

  /** encode serialises a value with the registered schema; it throws CW_ERR_DECODE naming the bad fields. */
  encode<N extends SchemaName>(name: N, value: SchemaTypes[N]): Buffer {
    const reader = this.readers.get(name);
    if (!reader) throw new CallwatchError('CW_ERR_REGISTRY', `schema ${name} is not registered: call register() first`);
    const invalid: string[] = [];
    if (!reader.type.isValid(value, { errorHook: (path) => invalid.push(path.join('.')) })) {
      throw new CallwatchError('CW_ERR_INVALID_EVENT', `value does not match schema ${name}: invalid field(s) ${invalid.join(', ')}`, { details: { invalid } });
    }
    const body = reader.type.toBuffer(value);
    const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
    out.writeUInt8(MAGIC_BYTE, 0);
    out.writeInt32BE(reader.id, 1);
    body.copy(out, HEADER_BYTES);
    return out;
  }

  /** schemaId reads the schema id of a wire-format message, or throws CW_ERR_DECODE when the header is not ours. */
  schemaId(buffer: Buffer | null): number {
    if (!buffer || buffer.length < HEADER_BYTES || buffer.readUInt8(0) !== MAGIC_BYTE) {
      throw new CallwatchError('CW_ERR_DECODE', 'not in Confluent wire format (missing magic byte 0 and 4-byte schema id)');
    }
    return buffer.readInt32BE(1);
  }

  /** prefetch loads the writer schemas of every id in a batch that is not cached yet (one request per new id). */
  async prefetch(buffers: Array<Buffer | null>): Promise<void> {
    const unknown = new Set<number>();
    for (const buffer of buffers) {
      try {
        const id = this.schemaId(buffer);
        if (!this.writers.has(id) && !this.unreadable.has(id)) unknown.add(id);
      } catch {
        // decode() reports the bad header for this message.
      }
    }
    await Promise.all([...unknown].map((id) => this.fetchWriter(id)));
  }

  /**
   * decode reads one message synchronously into our reader schema; it throws CW_ERR_DECODE with the reason. With
   * `fields` (a projection, see `projection`) it reads only those fields and skips the others' bytes unread: a
   * service that counts a few fields of a record makes no strings of the rest.
   */
  decode<N extends SchemaName>(name: N, buffer: Buffer | null, fields?: Projection): SchemaTypes[N] {
    const id = this.schemaId(buffer);
    const writer = this.writers.get(id);
    if (!writer) {
      const why = this.unreadable.get(id);
      throw new CallwatchError('CW_ERR_DECODE', why === undefined ? `unknown schema id ${id}: the registry does not know it` : `schema id ${id} is not an Avro schema callwatch can read: ${why}`);
    }
    const reader = fields ? fields.type : this.readerType(name);
    try {
      const body = (buffer as Buffer).subarray(HEADER_BYTES);
      if (writer === reader) return reader.fromBuffer(body) as SchemaTypes[N];
      return reader.fromBuffer(body, this.resolver(name, id, reader, writer)) as SchemaTypes[N];
    } catch (err) {
      throw new CallwatchError('CW_ERR_DECODE', `bytes do not match schema id ${id} (${name}): ${(err as Error).message}`, { cause: err });
    }
  }

  private readerType(name: SchemaName): Type {
    const known = this.readers.get(name);
    if (known) return known.type;
    const type = Type.forSchema(avroSchema(name) as never);
    this.readers.set(name, { id: -1, type });
    return type;
  }

  /** resolver reads what `writer` (schema id `id`) wrote as `reader`: made once per reader type and writer id (no string built per message). */
  private resolver(name: string, id: number, reader: Type, writer: Type): Resolver {
    let byWriter = this.resolvers.get(reader);
    if (!byWriter) this.resolvers.set(reader, (byWriter = new Map()));
    let resolver = byWriter.get(id);
    if (!resolver) {
      try {
        resolver = reader.createResolver(writer);
      } catch (err) {
        throw new CallwatchError('CW_ERR_DECODE', `schema id ${id} cannot be read as ${name}: ${(err as Error).message}`, { cause: err });
      }
      byWriter.set(id, resolver);
    }
    return resolver;
  }

  private async fetchWriter(id: number): Promise<void> {
    const response = await retry(async () => {
      let res: RegistryResponse;
      try {
        res = await registryRequest(this.access, 'GET', `/schemas/ids/${id}`);
      } catch (err) {
        throw new CallwatchError('CW_ERR_REGISTRY', `schema registry ${this.url} unreachable: ${(err as Error).message}`, { cause: err });
      }
      if (res.status >= 500) throw new CallwatchError('CW_ERR_REGISTRY', `schema registry answered ${res.status}`);
      return res;
    }, { retries: 3 });
    // Without access every id would look unknown, and every message would go to a dead-letter topic.
    if (response.status === 401 || response.status === 403) throw this.denied(response.status, `reading schema id ${id}`);
    // A 404 means the id is unknown: decode() then sends each such message to the dead-letter topic.
    if (response.status >= 300) return;
    let body: { schema?: unknown; schemaType?: unknown };
    try {
      body = JSON.parse(response.body) as typeof body;
    } catch (err) {
      throw new CallwatchError('CW_ERR_REGISTRY', `schema registry ${this.url} answered schema id ${id} with no JSON: ${(err as Error).message}`, { cause: err });
    }
    if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
      this.unreadable.set(id, `the registry holds a ${String(body.schemaType)} schema under it`);
      return;
    }
    try {
      this.writers.set(id, Type.forSchema(JSON.parse(String(body.schema)) as never));
    } catch (err) {
      this.unreadable.set(id, (err as Error).message);
    }
  }
}

/** deniedStatus is 401 or 403 when the registry client's error says the registry refused our credentials. */
function deniedStatus(err: unknown): 401 | 403 | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return status === 401 || status === 403 ? status : undefined;
}

const jsonTypes = new Map<SchemaName, Type>();

/**
 * fromJsonEvent checks a plain JSON object (a line of a JSON lines file: the Avro field names, nullable fields
 * as a value or null) against an Avro schema, filling omitted fields that have defaults; it returns the value,
 * or the paths of the fields that do not match.
 */
export function fromJsonEvent<N extends SchemaName>(name: N, json: Record<string, unknown>): { value: SchemaTypes[N] } | { invalid: string[] } {
  let type = jsonTypes.get(name);
  if (!type) jsonTypes.set(name, (type = Type.forSchema(avroSchema(name) as never)));
  const value: Record<string, unknown> = {};
  for (const field of (avroSchema(name) as unknown as { fields: Array<{ name: string; default?: unknown }> }).fields) {
    value[field.name] = json[field.name] === undefined && 'default' in field ? field.default : json[field.name];
  }
  const invalid: string[] = [];
  if (!type.isValid(value, { errorHook: (path) => invalid.push(path.join('.') || '(record)') })) return { invalid };
  return { value: value as unknown as SchemaTypes[N] };
}

/** Projection is a reader schema that keeps some fields of one of ours (made by `projection`). */
export interface Projection {
  /** the fields kept, in the schema's order */
  readonly fields: readonly string[];
  readonly type: Type;
}

/**
 * projection makes a reader schema of `name` with only `fields`, for `decode`: what a writer wrote of the other
 * fields is skipped, and a field a writer lacks takes its default as with the whole schema. A field our schema does
 * not have is a programming error (thrown).
 */
export function projection<N extends SchemaName>(name: N, fields: ReadonlyArray<keyof SchemaTypes[N] & string>): Projection {
  const schema = avroSchema(name) as { fields: Array<{ name: string }> };
  const unknown = fields.filter((field) => !schema.fields.some((f) => f.name === field));
  if (unknown.length > 0) throw new CallwatchError('CW_ERR_CONFIG', `schema ${name} has no field(s) ${unknown.join(', ')}`);
  const kept = schema.fields.filter((f) => fields.includes(f.name as keyof SchemaTypes[N] & string));
  return { fields: kept.map((f) => f.name), type: Type.forSchema({ ...schema, fields: kept } as never) };
}
