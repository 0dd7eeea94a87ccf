/**
 * idHash is the 52-bit hash an event id is remembered by (never 0): two 32-bit FNV-1a variants over its UTF-16 code
 * units, joined. With a million ids remembered for one entity, a new id is taken for a duplicate about once in
 * 4,000,000,000 (n / 2^52).
 */
export function idHash(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  const hash = (a >>> 0) * 0x100000 + ((b >>> 0) >>> 12);
  return hash === 0 ? 1 : hash;
}

const EMPTY = 0;

/**
 * IdSet remembers event ids of one entity, as hashes with their event times, in two typed arrays (open addressing):
 * no object per id, so a million remembered ids cost 16 MB and nothing for the garbage collector to walk.
 */
export class IdSet {
  private hashes: Float64Array;
  private times: Float64Array;
  private count = 0;

  constructor(capacity = 8) {
    let size = 8;
    while (size < capacity * 2) size *= 2;
    this.hashes = new Float64Array(size);
    this.times = new Float64Array(size);
  }

  get size(): number {
    return this.count;
  }

  /** has tells whether `hash` was added with a time at or after `fromMs`. */
  has(hash: number, fromMs: number): boolean {
    const i = this.slot(hash);
    return this.hashes[i] === hash && (this.times[i] as number) >= fromMs;
  }

  /** add remembers `hash` at `ms` (a later time for a hash already there replaces it). */
  add(hash: number, ms: number): void {
    if ((this.count + 1) * 2 > this.hashes.length) this.rebuild(this.hashes.length * 2, -Infinity);
    const i = this.slot(hash);
    if (this.hashes[i] === EMPTY) {
      this.hashes[i] = hash;
      this.times[i] = ms;
      this.count++;
    } else if (ms > (this.times[i] as number)) this.times[i] = ms;
  }

  /** forget drops every hash added before `beforeMs`. */
  forget(beforeMs: number): void {
    let size = 8;
    while (size < this.count * 2) size *= 2;
    this.rebuild(Math.max(size, 8), beforeMs);
  }

  private slot(hash: number): number {
    const mask = this.hashes.length - 1;
    let i = hash & mask;
    while (this.hashes[i] !== EMPTY && this.hashes[i] !== hash) i = (i + 1) & mask;
    return i;
  }

  private rebuild(size: number, beforeMs: number): void {
    const { hashes, times } = this;
    this.hashes = new Float64Array(size);
    this.times = new Float64Array(size);
    this.count = 0;
    for (let i = 0; i < hashes.length; i++) {
      const hash = hashes[i] as number;
      if (hash !== EMPTY && (times[i] as number) >= beforeMs) this.add(hash, times[i] as number);
    }
  }
}
