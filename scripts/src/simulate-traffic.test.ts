import { DEFAULT_PROFILE, customerIds, seededRandom, simulateCdr } from './simulate-traffic';

describe('simulated traffic', () => {
  it('is reproducible for a seed and gives bad customers their poor ASR', () => {
    const profile = { ...DEFAULT_PROFILE, customers: 4, badCustomers: ['acme'], badAsr: 10, asr: 60 };
    const customers = customerIds(profile);
    expect(customers).toEqual(['acme', 'cust-001', 'cust-002', 'cust-003']);
    const run = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 4000 }, (_, i) => simulateCdr(profile, random, 1_700_000_000_000 + i, i, customers));
    };
    expect(run(7)).toEqual(run(7));
    const cdrs = run(7);
    const asr = (id: string) => {
      const mine = cdrs.filter((c) => c.customer_id === id);
      return (mine.filter((c) => c.answer_ms !== null).length / mine.length) * 100;
    };
    expect(asr('acme')).toBeGreaterThan(5);
    expect(asr('acme')).toBeLessThan(15);
    expect(asr('cust-001')).toBeGreaterThan(52);
    expect(asr('cust-001')).toBeLessThan(68);
  });

  it('makes CDRs that are internally consistent', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 500; i++) {
      const cdr = simulateCdr(DEFAULT_PROFILE, random, 1_700_000_000_000, i);
      expect(cdr.end_ms).toBeGreaterThanOrEqual(cdr.start_ms);
      if (cdr.answer_ms !== null) {
        expect(cdr.sip_code).toBe(200);
        expect(cdr.answer_ms).toBeGreaterThanOrEqual(cdr.start_ms);
        expect(cdr.answer_ms).toBeLessThanOrEqual(cdr.end_ms);
      } else {
        expect(cdr.sip_code).not.toBe(200);
      }
    }
  });
});
