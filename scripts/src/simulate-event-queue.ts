import type { InputEvent } from '@callwatch/windows';

/** EventQueue holds the simulation's future events (call starts, CDRs, payments) in event-time order, ties in insertion order. */
export class EventQueue {
  private readonly heap: Array<{ at: number; seq: number; event: InputEvent }> = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, event: InputEvent): void {
    const heap = this.heap;
    heap.push({ at, seq: this.seq++, event });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Item, heap[parent] as Item)) break;
      [heap[i], heap[parent]] = [heap[parent] as Item, heap[i] as Item];
      i = parent;
    }
  }

  /** popUntil removes and returns, in order, every event at or before `toMs`. */
  popUntil(toMs: number): InputEvent[] {
    const out: InputEvent[] = [];
    while (this.heap.length > 0 && (this.heap[0] as Item).at <= toMs) out.push(this.pop());
    return out;
  }

  private pop(): InputEvent {
    const heap = this.heap;
    const top = heap[0] as Item;
    const last = heap.pop() as Item;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let least = i;
        if (l < heap.length && before(heap[l] as Item, heap[least] as Item)) least = l;
        if (r < heap.length && before(heap[r] as Item, heap[least] as Item)) least = r;
        if (least === i) break;
        [heap[i], heap[least]] = [heap[least] as Item, heap[i] as Item];
        i = least;
      }
    }
    return top.event;
  }
}

type Item = { at: number; seq: number; event: InputEvent };

function before(a: Item, b: Item): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
