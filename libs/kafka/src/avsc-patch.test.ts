// What patches/avsc+5.7.9.patch adds to avsc's decoder, which every consumer runs on bytes from outside: a forged
// array or map count stops at the end of the message (unpatched, 10^8 items crashed V8 outright), and an int whose
// varint is longer than 32 bits is refused. test/kafka/codec.fuzz.test.ts fuzzes the whole decode path.
import { Type } from 'avsc';
import { zigzagVarint } from '@callwatch/core/testing';

describe('avsc decoding of forged counts and lengths (patched)', () => {
  const strings = Type.forSchema({ type: 'array', items: 'string' });
  const longs = Type.forSchema({ type: 'map', values: 'long' });
  const record = Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'codes', type: { type: 'array', items: 'int' } }, { name: 'n', type: 'int' }] });

  it.each([200_000_000, 2 ** 31 - 1, 2 ** 40, -(2 ** 31)])('refuses an array or map that claims %d items as truncated', (count) => {
    const forged = Buffer.concat([zigzagVarint(count), Buffer.from([0x02, 0x61, 0x00])]);
    expect(() => strings.fromBuffer(forged)).toThrow('truncated buffer');
    expect(() => longs.fromBuffer(forged)).toThrow('truncated buffer');
  });

  it('refuses an int whose varint holds more than 32 bits', () => {
    expect(() => record.fromBuffer(Buffer.concat([Buffer.from([0x00]), zigzagVarint(2 ** 40)]))).toThrow(`invalid int: ${2 ** 40}`);
    expect(() => record.fromBuffer(Buffer.concat([Buffer.from([0x02]), zigzagVarint(2 ** 31), Buffer.from([0x00, 0x00])]))).toThrow('invalid int');
  });

  it('still reads what is valid, blocks of arrays and maps included', () => {
    const value = { codes: [503, -1, 2 ** 31 - 1, -(2 ** 31)], n: 7 };
    expect(record.fromBuffer(record.toBuffer(value))).toEqual(value);
    // A block with a negative count carries its size in bytes; two blocks make one array.
    const blocks = Buffer.concat([zigzagVarint(-1), zigzagVarint(2), Buffer.from([0x02, 0x61]), zigzagVarint(1), Buffer.from([0x02, 0x62, 0x00])]);
    expect(strings.fromBuffer(blocks)).toEqual(['a', 'b']);
    expect(longs.fromBuffer(longs.toBuffer({ a: 1, b: 2 ** 40 }))).toEqual({ a: 1, b: 2 ** 40 });
  });
});
