import { Type } from 'avsc';
import { avroSchema, SCHEMA_NAMES } from './index';
import type { Cdr } from './generated';

describe('avro schemas', () => {
  it.each(SCHEMA_NAMES.map((n) => [n]))('%s parses as Avro', (name) => {
    expect(() => Type.forSchema(avroSchema(name) as never)).not.toThrow();
  });

  it('round-trips a CDR with the field names of docs/design.md', () => {
    const type = Type.forSchema(avroSchema('cdr') as never);
    const cdr: Cdr = {
      cdr_id: 'c1', switch_id: 'sw1', customer_id: 'acme', carrier_id: 'tel1', call_id: null,
      start_ms: 1_700_000_000_000, answer_ms: 1_700_000_002_000, end_ms: 1_700_000_062_000, sip_code: 200,
      pdd_ms: 1800, caller: null, callee: '4420', destination: '44', charge: 0.12, cost: 0.1, currency: 'USD',
    };
    expect(type.fromBuffer(type.toBuffer(cdr))).toEqual(cdr);
  });

  it('rejects a CDR without its required fields', () => {
    const type = Type.forSchema(avroSchema('cdr') as never);
    expect(type.isValid({ cdr_id: 'x' })).toBe(false);
  });
});
