// How often the batch heartbeat is also sent while alerts are being worked on: a delivery that waits out a provider's
// outage retries for minutes, and the group must not take the partition away meanwhile.
const HEARTBEAT_EVERY_MS = 3_000;

/**
 * inEntityOrder runs `work` over a batch's alerts with up to `concurrency` at once, yet one entity's alerts one at
 * a time and in their order (a reset never overtakes its fire), and calls `between` after each alert and every few
 * seconds while any is being worked on (the batch heartbeat). It resolves with every result, in no particular order,
 * once all are done; the first failure, of the work or of a heartbeat, rejects.
 */
export async function inEntityOrder<A extends { entity: string }, R>(
  alerts: readonly A[],
  concurrency: number,
  work: (alert: A) => Promise<R[]>,
  between: () => Promise<void> = async () => {},
  heartbeatEveryMs = HEARTBEAT_EVERY_MS,
): Promise<R[]> {
  const queues = new Map<string, A[]>();
  for (const alert of alerts) {
    const queue = queues.get(alert.entity);
    if (queue) queue.push(alert);
    else queues.set(alert.entity, [alert]);
  }
  const pending = [...queues.values()];
  const results: R[] = [];
  // A heartbeat that failed (the group is rebalancing) stops the batch at the next alert, as one in between would.
  let heartbeatFailure: unknown;
  const timer = setInterval(() => void between().catch((err: unknown) => (heartbeatFailure ??= err)), heartbeatEveryMs);
  const worker = async (): Promise<void> => {
    for (let queue = pending.shift(); queue; queue = pending.shift()) {
      for (const alert of queue) {
        if (heartbeatFailure !== undefined) throw heartbeatFailure;
        results.push(...(await work(alert)));
        await between();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pending.length)) }, worker));
  } finally {
    clearInterval(timer);
  }
  return results;
}
