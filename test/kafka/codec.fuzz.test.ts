import { Type } from 'avsc';
import { CallwatchError } from '@callwatch/core';
import { fuzz, fuzzTimeoutMs, mutateBytes, zigzagVarint, type Rng } from '@callwatch/core/testing';
import { RegistryCodec } from '@callwatch/kafka';
import { SCHEMA_NAMES, avroSchema, type SchemaName } from '@callwatch/schemas';
import { testScope, type TestScope } from '../support/harness';

// What decode may say when it refuses a message: each names what was wrong (see RegistryCodec.decode).
const DECODE_REASONS = [/^not in Confluent wire format/, /^unknown schema id -?\d+/, /^schema id -?\d+ (cannot be read as|is not an Avro schema)/, /^bytes do not match schema id -?\d+ \(\w+\): ./];

// A value of any Avro type, drawn from the seed, so every case can be built again from its seed alone.
function sample(rng: Rng, type: Type): unknown {
  const t = type as Type & { typeName: string; fields?: Array<{ name: string; type: Type }>; itemsType?: Type; valuesType?: Type; symbols?: string[]; types?: Type[]; size?: number };
  const text = () => rng.pick(['', 'acme', 'customer:acme', 'x'.repeat(rng.int(40)), '\u00e9\ud83d\udcde', 'a\u0000b']);
  switch (t.typeName) {
    case 'record':
      return Object.fromEntries((t.fields ?? []).map((f) => [f.name, sample(rng, f.type)]));
    case 'string':
      return text();
    case 'int':
      return rng.pick([0, 1, -1, 200, 503, 2 ** 31 - 1, -(2 ** 31)]);
    case 'long':
      return rng.pick([0, 1, -1, 1_700_000_000_000, 2 ** 52, -(2 ** 52)]);
    case 'double':
    case 'float':
      return rng.pick([0, -1.5, 27.46, 1e9]);
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'bytes':
      return rng.bytes(rng.int(8));
    case 'fixed':
      return rng.bytes(t.size ?? 0);
    case 'enum':
      return rng.pick(t.symbols ?? []);
    case 'array':
      return Array.from({ length: rng.int(4) }, () => sample(rng, t.itemsType as Type));
    case 'map':
      return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [text() || 'k', sample(rng, t.valuesType as Type)]));
    default:
      // An unwrapped union: one of its branches.
      return sample(rng, rng.pick(t.types ?? []));
  }
}

interface Case {
  schema: SchemaName;
  how: string;
  bytes: Buffer;
}

describe('registry codec under hostile bytes (fuzz)', () => {
  let scope: TestScope;
  let codec: RegistryCodec;
  const ids = new Map<SchemaName, number>();
  const types = new Map<SchemaName, Type>();
  // Writer schemas the codec must cope with besides ours: an older CDR (read through a resolver) and a Protobuf one.
  let oldCdr: { id: number; type: Type };
  let protobufId: number;

  const post = async (subject: string, body: object): Promise<number> => {
    const res = await fetch(`${scope.env.SCHEMA_REGISTRY_URL}/subjects/${subject}/versions`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`registering ${subject}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: number }).id;
  };

  beforeAll(async () => {
    scope = await testScope('codec-fuzz');
    codec = new RegistryCodec(scope.env.SCHEMA_REGISTRY_URL as string);
    for (const name of SCHEMA_NAMES) {
      ids.set(name, await codec.register(name, `${scope.id}-${name}`));
      types.set(name, Type.forSchema(avroSchema(name) as never));
    }
    const old = JSON.parse(JSON.stringify(avroSchema('cdr'))) as { fields: Array<{ name: string }> };
    old.fields = old.fields.filter((f) => f.name !== 'destination');
    oldCdr = { id: await post(`${scope.id}-old-cdr-value`, { schema: JSON.stringify(old) }), type: Type.forSchema(old as never) };
    protobufId = await post(`${scope.id}-proto-value`, { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message Cdr { string cdr_id = 1; }' });
  });

  const header = (id: number, magic = 0): Buffer => {
    const out = Buffer.alloc(5);
    out.writeUInt8(magic, 0);
    out.writeInt32BE(id, 1);
    return out;
  };

  const generate = (rng: Rng): Case => {
    const schema = rng.pick(SCHEMA_NAMES);
    const viaOldCdr = schema === 'cdr' && rng.chance(0.3);
    const writer = viaOldCdr ? oldCdr.type : (types.get(schema) as Type);
    const id = viaOldCdr ? oldCdr.id : (ids.get(schema) as number);
    const body = writer.toBuffer(sample(rng, writer));
    switch (rng.int(6)) {
      case 0:
        return { schema, how: 'random bytes', bytes: rng.chance(0.5) ? rng.bytes(rng.int(64)) : Buffer.concat([header(id), rng.bytes(rng.int(64))]) };
      case 1: {
        // The header of another schema, an id nobody registered, a Protobuf schema, or a wrong magic byte.
        const other = rng.pick([...ids.values(), protobufId, 0, -1, 2 ** 31 - 1, 900_000 + rng.int(1000)]);
        return { schema, how: `header ${other}`, bytes: Buffer.concat([header(other, rng.chance(0.2) ? rng.pick([1, 0xff]) : 0), body]) };
      }
      case 2:
        // A forged length or count where the body starts (the first field is a string or a long in every schema).
        return { schema, how: 'forged prefix', bytes: Buffer.concat([header(id), zigzagVarint(rng.pick([-1, -5, 2 ** 31 - 1, 2 ** 40, 1e15, 200_000_000])), body.subarray(1)]) };
      case 3:
        return { schema, how: 'mutated message', bytes: mutateBytes(rng, Buffer.concat([header(id), body])) };
      default:
        return { schema, how: 'mutated body', bytes: Buffer.concat([header(id), mutateBytes(rng, body)]) };
    }
  };

  const check = async ({ schema, bytes }: Case): Promise<void> => {
    // As the consumer does: fetch unknown writer schemas for the batch, then decode each message.
    await codec.prefetch([bytes]);
    let value: unknown;
    try {
      value = codec.decode(schema, bytes);
    } catch (err) {
      if (!(err instanceof CallwatchError) || err.code !== 'CW_ERR_DECODE') throw new Error(`expected CW_ERR_DECODE, got ${(err as Error).name} ${(err as { code?: string }).code ?? ''}: ${(err as Error).message}`);
      if (!DECODE_REASONS.some((reason) => reason.test(err.message))) throw new Error(`expected a reason naming what is wrong, got "${err.message}"`);
      return;
    }
    const invalid: string[] = [];
    if (!(types.get(schema) as Type).isValid(value, { errorHook: (path) => invalid.push(path.join('.')) })) {
      throw new Error(`decoded a value that does not match schema ${schema}: field(s) ${invalid.join(', ')}`);
    }
  };

  it('decodes to a valid value or refuses with CW_ERR_DECODE saying why, never hanging', async () => {
    await fuzz({
      name: 'avro decode',
      cases: 1_500,
      generate,
      check,
      show: (c) => `${c.schema} (${c.how}) ${c.bytes.toString('hex')}`,
    });
  }, fuzzTimeoutMs(120_000));

  it('dead-letters a message whose schema id is a Protobuf schema instead of failing the batch', async () => {
    const bytes = Buffer.concat([header(protobufId), Buffer.from([0x02, 0x41])]);
    await expect(codec.prefetch([bytes])).resolves.toBeUndefined();
    expect(() => codec.decode('cdr', bytes)).toThrow(new RegExp(`^schema id ${protobufId} is not an Avro schema`));
  });

  it('refuses an array count past the end of the message as a truncated message', () => {
    // An account whose `emails` claims 200 million items: avsc alone spends seconds reading past the end.
    const account = { entity: 'customer:a', name: 'A', class: null, status: 'active', balance: 1, debit_limit: null, currency: 'EUR', emails: [], phones: [], timezone: null, locale: null, at_ms: 1 };
    const body = (types.get('account') as Type).toBuffer(account);
    // The last five fields (emails, phones, timezone, locale, at_ms) take one byte each here.
    const emailsAt = body.length - 5;
    const bomb = Buffer.concat([header(ids.get('account') as number), body.subarray(0, emailsAt), zigzagVarint(200_000_000), body.subarray(emailsAt + 1)]);
    expect(() => codec.decode('account', bomb)).toThrow(/^bytes do not match schema id \d+ \(account\): truncated buffer$/);
  });
});
