import { DeadlineQueue } from './deadline-queue';

describe('DeadlineQueue', () => {
  it('answers the earliest time as keys are set, moved and deleted', () => {
    const q = new DeadlineQueue();
    q.set('a', 50);
    q.set('b', 20);
    q.set('c', 30);
    expect(q.peek()).toEqual({ key: 'b', time: 20 });
    q.set('b', 60);
    expect(q.peek()).toEqual({ key: 'c', time: 30 });
    q.set('a', 10);
    expect(q.peek()).toEqual({ key: 'a', time: 10 });
    q.delete('a');
    q.set('c', null);
    expect(q.peek()).toEqual({ key: 'b', time: 60 });
    expect([q.size, q.get('b'), q.get('a')]).toEqual([1, 60, undefined]);
    q.clear();
    expect([q.size, q.peek()]).toEqual([0, null]);
  });

  it('lists the keys due before a time, earliest first, and agrees with a sorted list under random changes', () => {
    const q = new DeadlineQueue();
    const model = new Map<string, number>();
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let step = 0; step < 5_000; step++) {
      const key = `k${Math.floor(random() * 200)}`;
      if (random() < 0.2) {
        q.delete(key);
        model.delete(key);
      } else {
        const time = Math.floor(random() * 1_000);
        q.set(key, time);
        model.set(key, time);
      }
      if (step % 250 === 0) {
        const cut = Math.floor(random() * 1_000);
        const expected = [...model].filter(([, t]) => t < cut).sort((a, b) => a[1] - b[1]).map(([, t]) => t);
        expect(q.before(cut).map(([k, t]) => [model.get(k), t])).toEqual(expected.map((t) => [t, t]));
        expect(q.before(cut, 3).map(([, t]) => t)).toEqual(expected.slice(0, 3));
        expect(q.peek()?.time).toBe(Math.min(...model.values()));
      }
    }
    expect(q.size).toBe(model.size);
  });
});
