/**
 * inEntityOrder runs `work` over a batch's alerts with up to `concurrency` at once, yet one entity's alerts one at
 * a time and in their order (a reset never overtakes its fire), and calls `between` after each alert (the batch
 * heartbeat). It resolves with every result, in no particular order, once all are done; the first failure rejects.
 */
export async function inEntityOrder<A extends { entity: string }, R>(
  alerts: readonly A[],
  concurrency: number,
  work: (alert: A) => Promise<R[]>,
  between: () => Promise<void> = async () => {},
): Promise<R[]> {
  const queues = new Map<string, A[]>();
  for (const alert of alerts) {
    const queue = queues.get(alert.entity);
    if (queue) queue.push(alert);
    else queues.set(alert.entity, [alert]);
  }
  const pending = [...queues.values()];
  const results: R[] = [];
  const worker = async (): Promise<void> => {
    for (let queue = pending.shift(); queue; queue = pending.shift()) {
      for (const alert of queue) {
        results.push(...(await work(alert)));
        await between();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pending.length)) }, worker));
  return results;
}
