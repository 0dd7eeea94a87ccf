import { formatStatus, type EntityStatus } from './status';

const status = (overrides: Partial<EntityStatus>): EntityStatus => ({
  entity: 'customer:acme', clockMs: null, late: 0, channels: null, expired: 0, balance: null, credit: null, creditUsed: null, version: 0, windows: [], ...overrides,
});

describe('formatStatus', () => {
  it('shows the credit gauges of an account with a debit limit', () => {
    expect(formatStatus(status({ balance: -82.5, credit: 17.5, creditUsed: 82.5 }))).toBe(
      'customer:acme: no calls counted yet  channels -  balance -82.5  credit 17.5  credit_used 82.5%\n',
    );
  });

  it('shows no credit gauges without one', () => {
    expect(formatStatus(status({ balance: 40 }))).toBe('customer:acme: no calls counted yet  channels -  balance 40  credit -  credit_used -\n');
  });
});
