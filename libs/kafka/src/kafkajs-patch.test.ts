// The record coding that patches/kafkajs+2.2.4.patch rewrites (numbers instead of Longs, records read in place),
// checked against a reference written here from the protocol's definition, so a patch redone after an upgrade is
// tested too. The integration tests run every message through it against the real broker.
/* eslint-disable @typescript-eslint/no-require-imports */
interface EncoderLike {
  writeVarLong(value: number): EncoderLike;
  buffer: Buffer;
}
interface DecoderLike {
  offset: number;
  readVarLongNumber(): number | { toString(): string };
  readVarLong(): { toString(): string };
}
interface RecordLike {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}
const Encoder = require('kafkajs/src/protocol/encoder') as new () => EncoderLike;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => DecoderLike;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (args: object) => Promise<{ buffer: Buffer }> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (args: object) => unknown;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: DecoderLike) => Promise<{ records: RecordLike[] }>;
const Batch = require('kafkajs/src/consumer/batch') as new (topic: string, fetchedOffset: string, data: object) => { messages: RecordLike[] };
/* eslint-enable @typescript-eslint/no-require-imports */

/** zigzag LEB128 of a 64-bit integer, as the Kafka protocol defines varlong. */
function referenceVarLong(value: bigint): Buffer {
  let zigZag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (zigZag >= 0x80n) {
    bytes.push(Number(zigZag & 0x7fn) | 0x80);
    zigZag >>= 7n;
  }
  bytes.push(Number(zigZag));
  return Buffer.from(bytes);
}

describe('KafkaJS record coding (patched)', () => {
  const values = [
    0, 1, -1, 63, 64, -64, -65, 127, 128, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 48, 2 ** 49 - 1, 2 ** 49, -(2 ** 49),
    2 ** 52 - 1, -(2 ** 52 - 1), 1_732_300_000_000, -1_732_300_000_000,
    ...Array.from({ length: 2_000 }, (_, i) => Math.floor((Math.random() - 0.5) * 2 ** (i % 53))),
  ];

  it('writes varlongs as the protocol defines them and reads them back, as numbers up to 7 bytes', () => {
    for (const value of values) {
      const bytes = new Encoder().writeVarLong(value).buffer;
      expect([value, bytes.toString('hex')]).toEqual([value, referenceVarLong(BigInt(value)).toString('hex')]);
      const decoder = new Decoder(bytes);
      const read = decoder.readVarLongNumber();
      expect([value, String(read), decoder.offset]).toEqual([value, String(value), bytes.length]);
      if (bytes.length <= 7) expect(typeof read).toBe('number');
      expect(new Decoder(bytes).readVarLong().toString()).toBe(String(value));
    }
  });

  it('reads varlongs longer than 7 bytes exactly, beyond 2^53', () => {
    for (const value of [2n ** 53n + 1n, -(2n ** 60n) - 3n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      expect(new Decoder(referenceVarLong(value)).readVarLongNumber().toString()).toBe(value.toString());
    }
  });

  it('round-trips a record batch, with exact offsets and timestamps on both sides of 2^53', async () => {
    for (const firstOffset of ['0', '123456789', String(2 ** 53 - 3)]) {
      const records = Array.from({ length: 6 }, (_, i) =>
        Record({ offsetDelta: i, timestampDelta: i * 1_000, key: i === 2 ? null : Buffer.from(`customer:c${i}`), value: i === 3 ? null : Buffer.from(`v${i}`), headers: i === 4 ? { h: ['a', 'b'] } : {} }),
      );
      const encoded = await RecordBatch({ firstOffset, firstTimestamp: 1_732_300_000_000, maxTimestamp: 1_732_300_005_000, lastOffsetDelta: 5, records });
      const decoded = await decodeRecordBatch(new Decoder(encoded.buffer));
      const expectedOffsets = Array.from({ length: 6 }, (_, i) => (BigInt(firstOffset) + BigInt(i)).toString());
      expect(decoded.records.map((r) => r.offset)).toEqual(expectedOffsets);
      expect(decoded.records.map((r) => r.timestamp)).toEqual(Array.from({ length: 6 }, (_, i) => String(1_732_300_000_000 + i * 1_000)));
      expect(decoded.records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
        ['customer:c0', 'v0'], ['customer:c1', 'v1'], [null, 'v2'], ['customer:c3', null], ['customer:c4', 'v4'], ['customer:c5', 'v5'],
      ]);
      expect(decoded.records[4]?.headers.h?.toString()).toBe('a,b');
      // A fetch from the middle of the batch drops the records before the offset asked for.
      const fetched = expectedOffsets[3] as string;
      const batch = new Batch('t', fetched, { partition: 0, highWatermark: '0', messages: decoded.records, abortedTransactions: [] });
      expect(batch.messages.map((m) => m.offset)).toEqual(expectedOffsets.slice(3));
    }
  });
});
