import type { InputEvent } from '@callwatch/windows';
import { cdr } from './cdrs';

// The rules and the day of events that the replay conformance test and the backtest test both run, live and offline.

export const RULES = `
- id: asr-drop
  title: ASR drop
  scope: { all: customers }
  area: asr
  operator: "<="
  threshold: 40
  reset_threshold: 60
  sample_period: 1h
  min_attempts: 5
  level: warning
  notify: [ { email: noc@example.net } ]
- id: low-balance
  title: Low balance
  scope: { customer: c2 }
  area: balance
  operator: "<"
  threshold: 10
  reset_threshold: 12
  level: warning
  notify: [ { email: billing@example.net } ]
- id: big-spender
  title: Big spender
  scope: { all: customers }
  area: script
  script: "return m.balance === null ? null : m.spend * 10"
  operator: ">="
  threshold: 20
  sample_period: 1h
  level: info
  notify: [ { email: billing@example.net } ]
- id: credit-used
  title: Credit nearly used
  scope: { all: customers }
  area: credit_used
  operator: ">="
  threshold: 80
  reset_threshold: 50
  level: warning
- id: low-credit
  title: Low credit
  scope: { all: customers }
  area: credit
  operator: "<"
  threshold: 20
  level: info
- id: paid
  title: Payment received
  scope: { customer: c2 }
  area: event
  event: payment_completed
  level: info
`;

/**
 * events is a day in the life of three customers: c1's calls fail then recover, c2's balance runs low and is topped up
 * (and its spend trips the script rule; it has no debit limit, so no credit), and postpay c3 spends most of its debit
 * limit of 100 and pays some back.
 */
export function events(t0: number): InputEvent[] {
  const account = (id: string, balance: number, debitLimit: number | null): InputEvent => ({
    type: 'account', entity: `customer:${id}`, name: id.toUpperCase(), class: null, status: 'active', balance, debit_limit: debitLimit, currency: 'USD', emails: [], phones: [], timezone: null, locale: null, at_ms: t0,
  });
  const out: InputEvent[] = [account('c2', 12, null), account('c3', -10, 100)];
  let t = t0;
  const call = (customer: string, answered: boolean, id: string, charge = 0, endMs = (t += 5_000)) =>
    out.push({ type: 'cdr', ...cdr(customer, answered, endMs, { cdr_id: id, carrier_id: null, charge }) });
  for (let i = 0; i < 5; i++) call('c1', false, `c1-f${i}`);
  call('c1', false, 'c1-f0'); // the same CDR again: counted once
  for (let i = 0; i < 3; i++) call('c2', true, `c2-${i}`, 1);
  call('c1', true, 'c1-late', 0, t0 - 10 * 60_000); // 10 min behind: late, left out
  for (let i = 0; i < 8; i++) call('c1', true, `c1-a${i}`);
  out.push({ type: 'payment', payment_id: 'top-up', customer_id: 'c2', amount: 5, status: 'completed', source: 'portal', at_ms: (t += 5_000) });
  // −10 − 30 − 45 = −85: 85 % of the limit used, 15 left; a payment of 50 brings it back to 35 %.
  call('c3', true, 'c3-0', 30);
  call('c3', true, 'c3-1', 45);
  out.push({ type: 'payment', payment_id: 'pay-back', customer_id: 'c3', amount: 50, status: 'completed', source: 'portal', at_ms: (t += 5_000) });
  return out;
}
