import { creditGauges, type CreditGauges } from './credit';

describe('creditGauges', () => {
  it.each<[string, number | null, number | null, CreditGauges]>([
    ['a positive balance uses none of the limit', 30, 100, { credit: 130, creditUsed: 0 }],
    ['a zero balance uses none of it', 0, 100, { credit: 100, creditUsed: 0 }],
    ['a negative balance uses its share', -10, 100, { credit: 90, creditUsed: 10 }],
    ['at −limit all of it is used', -100, 100, { credit: 0, creditUsed: 100 }],
    ['below −limit more than all of it (the switch let it)', -125, 100, { credit: -25, creditUsed: 125 }],
    ['money is rounded as the balance is', -0.1, 0.2, { credit: 0.1, creditUsed: 50 }],
    ['a zero limit: credit is the balance, no share to use', -5, 0, { credit: -5, creditUsed: null }],
    ['no limit (null): no value, never 0', -10, null, { credit: null, creditUsed: null }],
    ['no balance yet: no value', null, 100, { credit: null, creditUsed: null }],
  ])('%s', (_name, balance, limit, expected) => {
    expect(creditGauges(balance, limit)).toEqual(expected);
  });
});
