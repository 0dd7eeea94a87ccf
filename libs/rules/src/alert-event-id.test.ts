import { alertEventId, orphanResetId } from './alert-event-id';

type Args = Parameters<typeof alertEventId>;

describe('alertEventId', () => {
  const fired: Args = ['low-asr', 'customer:acme', 'fired', 1000];

  it('is the SHA-1 hex of rule|entity|type|at_ms, so consumers in any language can recompute it', () => {
    expect(alertEventId(...fired)).toBe('f7c1b9fb93c456d6d8282e8a8047288d8da78479');
  });

  it.each<[string, Args]>([
    ['another rule', ['low-asr-2', 'customer:acme', 'fired', 1000]],
    ['another entity', ['low-asr', 'customer:acme2', 'fired', 1000]],
    ['another type', ['low-asr', 'customer:acme', 'reset', 1000]],
    ['a report at the same time', ['low-asr', 'customer:acme', 'report', 1000]],
    ['another time', ['low-asr', 'customer:acme', 'fired', 1001]],
  ])('differs for %s', (_name, args) => {
    expect(alertEventId(...args)).not.toBe(alertEventId(...fired));
  });
});

describe('orphanResetId', () => {
  it('names the firing it closes, and differs from the id of any reset decided on a value', () => {
    expect(orphanResetId('low-asr', 'customer:acme', 1000)).toMatch(/^[0-9a-f]{40}$/);
    expect(orphanResetId('low-asr', 'customer:acme', 1000)).toBe(orphanResetId('low-asr', 'customer:acme', 1000));
    expect(orphanResetId('low-asr', 'customer:acme', 1000)).not.toBe(orphanResetId('low-asr', 'customer:acme', 1001));
    expect(orphanResetId('low-asr', 'customer:acme', 1000)).not.toBe(alertEventId('low-asr', 'customer:acme', 'reset', 1000));
  });
});
