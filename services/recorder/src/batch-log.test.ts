import { batchToken, planBatch, type LoggedBatch } from './batch-log';

const messages = (...offsets: number[]) => offsets.map((o) => ({ offset: String(o) }));
const batch = (first: number, last: number, offsets = Array.from({ length: last - first + 1 }, (_, i) => first + i)) => ({ firstOffset: String(first), lastOffset: String(last), messages: messages(...offsets) });
const logged = (first: number, last: number): LoggedBatch => ({ first: BigInt(first), last: BigInt(last), token: batchToken('t', 0, BigInt(first), BigInt(last)) });

describe('planBatch', () => {
  it('writes a batch after the range logged last as one new part, its token from its offsets', () => {
    expect(planBatch('t', 0, logged(0, 9), batch(10, 14))).toEqual({
      kind: 'write', skipped: 0, parts: [{ first: 10n, last: 14n, token: 't/0/10-14', messages: messages(10, 11, 12, 13, 14), replay: false }],
    });
    expect(planBatch('t', 0, null, batch(0, 1))).toMatchObject({ kind: 'write', parts: [{ token: 't/0/0-1', replay: false }] });
  });

  it('writes the logged range again whole, with its token, and what follows it as a new part (a crash before the commit)', () => {
    expect(planBatch('t', 0, logged(10, 12), batch(10, 15))).toEqual({
      kind: 'write', skipped: 0,
      parts: [
        { first: 10n, last: 12n, token: 't/0/10-12', messages: messages(10, 11, 12), replay: true },
        { first: 13n, last: 15n, token: 't/0/13-15', messages: messages(13, 14, 15), replay: false },
      ],
    });
  });

  it('skips what lies before the logged range (a rewind) and never writes a range twice under two tokens', () => {
    expect(planBatch('t', 0, logged(10, 12), batch(0, 5))).toEqual({ kind: 'write', parts: [], skipped: 6 });
    expect(planBatch('t', 0, logged(10, 12), batch(4, 12))).toEqual({
      kind: 'write', skipped: 6, parts: [{ first: 10n, last: 12n, token: 't/0/10-12', messages: messages(10, 11, 12), replay: true }],
    });
  });

  it('reads again from the logged range when a batch starts inside it or stops short of its end', () => {
    expect(planBatch('t', 0, logged(10, 20), batch(12, 25))).toMatchObject({ kind: 'seek', to: 10n });
    expect(planBatch('t', 0, logged(10, 20), batch(10, 15))).toMatchObject({ kind: 'seek', to: 10n });
  });

  it('keeps the range of undecodable or rejected messages: the part covers the fetched offsets, not only the good ones', () => {
    expect(planBatch('t', 0, null, batch(0, 4, [0, 2]))).toMatchObject({ kind: 'write', parts: [{ first: 0n, last: 4n, token: 't/0/0-4', messages: messages(0, 2) }] });
  });
});
