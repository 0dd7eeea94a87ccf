import { parseEventLine, periodsOf } from './replay';

describe('parseEventLine', () => {
  const cdr = { cdr_id: 'c1', switch_id: 'sw', customer_id: 'acme', start_ms: 1_000, answer_ms: null, end_ms: 2_000, sip_code: 486, callee: '44', charge: 0, currency: 'USD' };

  it('reads an event, filling omitted fields that have defaults', () => {
    const parsed = parseEventLine(JSON.stringify({ type: 'cdr', ...cdr }));
    expect(parsed).toEqual({ event: { type: 'cdr', ...cdr, carrier_id: null, call_id: null, pdd_ms: null, caller: null, destination: null, cost: null } });
  });

  it('says what is wrong: not JSON, no type, fields of the wrong type, impossible values', () => {
    expect(parseEventLine('{oops')).toMatchObject({ problem: expect.stringMatching(/^not JSON: /) });
    expect(parseEventLine(JSON.stringify({ ...cdr, type: 'call' }))).toEqual({ problem: 'type: expected one of cdr, call_start, payment, account, got "call"' });
    expect(parseEventLine(JSON.stringify({ type: 'cdr', ...cdr, end_ms: 'soon' }))).toEqual({ problem: 'cdr: field(s) end_ms missing or of the wrong type (see schemas/avro/cdr.avsc)' });
    expect(parseEventLine(JSON.stringify({ type: 'cdr', ...cdr, end_ms: 500 }))).toEqual({ problem: 'cdr: end_ms: expected at or after start_ms 1000, got 500' });
  });
});

describe('periodsOf', () => {
  it('keeps windows for the periods the rules use', () => {
    expect(periodsOf([{ sample_period_ms: 900_000 }, { sample_period_ms: null }, { sample_period_ms: 300_000 }, { sample_period_ms: 900_000 }] as never)).toEqual([300_000, 900_000]);
    expect(periodsOf([])).toEqual([300_000]);
  });
});
