import { validateEvent } from './validate-event';

describe('validateEvent', () => {
  const at = 1_700_000_000_000;

  it('accepts valid call starts, payments and account snapshots', () => {
    expect(validateEvent({ type: 'call_start', call_id: 'c1', customer_id: 'acme', carrier_id: null, start_ms: at })).toBeNull();
    expect(validateEvent({ type: 'payment', payment_id: 'p1', customer_id: 'acme', amount: -5, status: 'completed', source: 'portal', at_ms: at })).toBeNull();
    expect(validateEvent({
      type: 'account', entity: 'carrier:tel1', name: 'Tel', class: null, status: 'active', balance: 0, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: at,
    })).toBeNull();
  });

  it('names the field and what was expected', () => {
    expect(validateEvent({ type: 'call_start', call_id: ' ', customer_id: 'acme', carrier_id: null, start_ms: at })).toBe('call_id: expected a non-empty id');
    expect(validateEvent({ type: 'call_start', call_id: 'c1', customer_id: 'acme', carrier_id: null, start_ms: 0 })).toBe('start_ms: expected epoch milliseconds, got 0');
    expect(validateEvent({ type: 'payment', payment_id: 'p1', customer_id: 'acme', amount: 5, status: 'completed', source: 'portal', at_ms: 8.7e15 })).toBe('at_ms: expected epoch milliseconds, got 8700000000000000');
    expect(validateEvent({ type: 'payment', payment_id: 'p1', customer_id: 'acme', amount: Number.NaN, status: 'completed', source: 'portal', at_ms: at })).toBe('amount: expected a number, got NaN');
    expect(validateEvent({
      type: 'account', entity: 'acme', name: 'Acme', class: null, status: 'active', balance: 1, debit_limit: null, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: at,
    })).toBe('entity: expected customer:<id> or carrier:<id>, got "acme"');
  });

  it.each<[number | null, string | null]>([
    [null, null],
    [0, null],
    [250.5, null],
    [-100, 'debit_limit: expected null or a number from 0, got -100'],
    [Number.NaN, 'debit_limit: expected null or a number from 0, got NaN'],
    [Number.POSITIVE_INFINITY, 'debit_limit: expected null or a number from 0, got Infinity'],
  ])('checks an account\'s debit limit %p', (limit, problem) => {
    expect(validateEvent({
      type: 'account', entity: 'customer:acme', name: 'Acme', class: null, status: 'active', balance: -5, debit_limit: limit, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: at,
    })).toBe(problem);
  });
});
