import { roundMoney } from './counters';

/** CreditGauges are the gauges a postpay account's debit limit gives (docs/design.md, "Entities and metrics"). */
export interface CreditGauges {
  /** money still available before the limit: balance + debit limit */
  credit: number | null;
  /** share of the limit used, in %: max(0, −balance) / debit limit × 100 */
  creditUsed: number | null;
}

const NO_CREDIT: CreditGauges = { credit: null, creditUsed: null };

/**
 * creditGauges derives `credit` and `credit_used` from the live balance and the debit limit of the newest account
 * snapshot. Without a balance or a limit both are null (no data), never 0: a prepaid customer has no credit to watch.
 * A limit of 0 leaves credit = balance but no share to compute, so `credit_used` is null. A positive balance uses
 * none of the limit (0 %); `credit_used` passes 100 when the switch let the balance go below −limit.
 */
export function creditGauges(balance: number | null, debitLimit: number | null): CreditGauges {
  if (balance === null || debitLimit === null) return NO_CREDIT;
  return {
    credit: roundMoney(balance + debitLimit),
    creditUsed: debitLimit > 0 ? (Math.max(0, -balance) * 100) / debitLimit : null,
  };
}
