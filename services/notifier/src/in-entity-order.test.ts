import { inEntityOrder } from './in-entity-order';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('inEntityOrder', () => {
  it('keeps each entity\'s alerts in order, one at a time, while entities run side by side up to the limit', async () => {
    const alerts = [
      { entity: 'a', n: 1 }, { entity: 'b', n: 1 }, { entity: 'a', n: 2 }, { entity: 'c', n: 1 }, { entity: 'a', n: 3 }, { entity: 'b', n: 2 },
    ];
    const running = new Set<string>();
    const order: string[] = [];
    let most = 0;
    const results = await inEntityOrder(alerts, 2, async (alert) => {
      expect(running.has(alert.entity)).toBe(false);
      running.add(alert.entity);
      most = Math.max(most, running.size);
      await tick();
      order.push(`${alert.entity}${alert.n}`);
      running.delete(alert.entity);
      return [`${alert.entity}${alert.n}`];
    });
    expect(most).toBe(2);
    expect(order.filter((x) => x.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(order.filter((x) => x.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(results.sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'c1']);
  });

  it('calls between after every alert, and rejects with the first failure', async () => {
    let beats = 0;
    await inEntityOrder([{ entity: 'a' }, { entity: 'b' }, { entity: 'a' }], 8, async () => [1], async () => void beats++);
    expect(beats).toBe(3);
    await expect(inEntityOrder([{ entity: 'a' }], 1, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
  });

  it('keeps the heartbeat going while a slow delivery waits, and stops at the next alert once a heartbeat failed', async () => {
    let beats = 0;
    const slow = () => new Promise<number[]>((resolve) => setTimeout(() => resolve([1]), 120));
    await inEntityOrder([{ entity: 'a' }], 1, slow, async () => void beats++, 20);
    expect(beats).toBeGreaterThanOrEqual(4); // several while waiting, one after
    const worked: string[] = [];
    const rebalancing = inEntityOrder([{ entity: 'a' }, { entity: 'a' }], 1, async (a) => (worked.push(a.entity), slow()), async () => {
      throw new Error('The group is rebalancing');
    }, 20);
    await expect(rebalancing).rejects.toThrow('rebalancing');
    expect(worked).toHaveLength(1);
  });

  it('runs one at a time with a limit of 1, in the batch order of entities', async () => {
    const seen: string[] = [];
    await inEntityOrder([{ entity: 'x' }, { entity: 'y' }, { entity: 'x' }], 1, async (a) => (seen.push(a.entity), []));
    expect(seen).toEqual(['x', 'x', 'y']);
  });
});
