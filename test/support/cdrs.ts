import type { Cdr } from '@callwatch/schemas';

let seq = 0;

/** cdr builds a valid CDR for a customer that ended at `endMs`, answered or failed with 486. */
export function cdr(customer: string, answered: boolean, endMs = Date.now(), overrides: Partial<Cdr> = {}): Cdr {
  seq++;
  const start = endMs - 30_000;
  return {
    cdr_id: `${customer}-${endMs}-${seq}`, switch_id: 'test-sw', customer_id: customer, carrier_id: 'carrier-1', call_id: null,
    start_ms: start, answer_ms: answered ? start + 2_000 : null, end_ms: endMs, sip_code: answered ? 200 : 486,
    pdd_ms: 2_000, caller: null, callee: '441234567890', destination: '44', charge: answered ? 0.05 : 0, cost: null, currency: 'USD',
    ...overrides,
  };
}

/** cdrs builds `attempts` CDRs of which `answered` were answered, all ending at `endMs`. */
export function cdrs(customer: string, attempts: number, answered: number, endMs = Date.now()): Cdr[] {
  return Array.from({ length: attempts }, (_, i) => cdr(customer, i < answered, endMs));
}
