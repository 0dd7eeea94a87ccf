/**
 * DeadlineQueue holds one time per key (an entity's earliest deadline, say) and answers the earliest: a binary heap
 * with a position per key, so that setting, moving or deleting a key costs O(log n) and the earliest is O(1).
 */
export class DeadlineQueue {
  private readonly keys: string[] = [];
  private readonly times: number[] = [];
  private readonly positions = new Map<string, number>();

  /** size is how many keys have a time. */
  get size(): number {
    return this.keys.length;
  }

  /** get is the key's time, or undefined when it has none. */
  get(key: string): number | undefined {
    const i = this.positions.get(key);
    return i === undefined ? undefined : this.times[i];
  }

  /** set gives the key a time, or takes its time away with null. */
  set(key: string, time: number | null): void {
    if (time === null) {
      this.delete(key);
      return;
    }
    const i = this.positions.get(key);
    if (i === undefined) {
      this.keys.push(key);
      this.times.push(time);
      this.positions.set(key, this.keys.length - 1);
      this.up(this.keys.length - 1);
      return;
    }
    const was = this.times[i] as number;
    this.times[i] = time;
    if (time < was) this.up(i);
    else this.down(i);
  }

  /** delete takes the key's time away. */
  delete(key: string): void {
    const i = this.positions.get(key);
    if (i === undefined) return;
    const last = this.keys.length - 1;
    this.swap(i, last);
    this.keys.pop();
    this.times.pop();
    this.positions.delete(key);
    if (i < last) {
      this.up(i);
      this.down(i);
    }
  }

  /** peek is the key with the earliest time (the first set of those that tie is not promised), or null when empty. */
  peek(): { key: string; time: number } | null {
    return this.keys.length === 0 ? null : { key: this.keys[0] as string, time: this.times[0] as number };
  }

  /** before lists the keys whose time is before `timeMs`, earliest first: all of them, or the first `limit`. */
  before(timeMs: number, limit = Infinity): Array<[key: string, time: number]> {
    const out: Array<[string, number]> = [];
    // Only the heap's top part is visited: a subtree whose root is not due holds nothing due.
    const visit = (i: number): void => {
      if (i >= this.keys.length || (this.times[i] as number) >= timeMs) return;
      out.push([this.keys[i] as string, this.times[i] as number]);
      visit(2 * i + 1);
      visit(2 * i + 2);
    };
    visit(0);
    out.sort((a, b) => a[1] - b[1]);
    return out.length > limit ? out.slice(0, limit) : out;
  }

  /** clear takes every time away. */
  clear(): void {
    this.keys.length = 0;
    this.times.length = 0;
    this.positions.clear();
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.times[parent] as number) <= (this.times[i] as number)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < this.keys.length && (this.times[left] as number) < (this.times[least] as number)) least = left;
      if (right < this.keys.length && (this.times[right] as number) < (this.times[least] as number)) least = right;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }

  private swap(i: number, j: number): void {
    if (i === j) return;
    const key = this.keys[i] as string;
    const time = this.times[i] as number;
    this.keys[i] = this.keys[j] as string;
    this.times[i] = this.times[j] as number;
    this.keys[j] = key;
    this.times[j] = time;
    this.positions.set(this.keys[i] as string, i);
    this.positions.set(key, j);
  }
}
