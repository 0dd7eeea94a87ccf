import type { WindowStore } from '@callwatch/redis';
import type { EntityMetrics, Side } from '@callwatch/windows';

/** SlideOptions are what sliding idle windows needs: the store, the epoch, where snapshots go, and the limits. */
export interface SlideOptions {
  store: WindowStore;
  epoch: () => string;
  publish: (metrics: EntityMetrics[]) => Promise<void>;
  /** a partition's clock is taken at most this far past the wall clock (AGGREGATOR_LATENESS_MS) */
  aheadMs: number;
  onTicked: (entities: number) => void;
  now?: () => number;
}

/**
 * WindowSlides slides the windows of entities that get no new events, as the clock of their side and partition (the
 * newest event time counted there) passes the time their oldest bucket leaves: an index in Redis says when each
 * entity's windows next change.
 */
export class WindowSlides {
  private readonly clocks = new Map<string, { side: Side; partition: number; clockMs: number }>();

  constructor(private readonly options: SlideOptions) {}

  /** observe moves a side and partition's clock to `newestMs` (never back), after a batch was counted there. */
  observe(side: Side, partition: number, newestMs: number): void {
    const key = `${side}:${partition}`;
    const clock = this.clocks.get(key);
    if (!clock) this.clocks.set(key, { side, partition, clockMs: newestMs });
    else clock.clockMs = Math.max(clock.clockMs, newestMs);
  }

  /** slide slides and publishes every entity whose windows changed as its partition's clock moved. */
  async slide(): Promise<void> {
    const { store, epoch, publish, aheadMs, onTicked, now = Date.now } = this.options;
    for (const { side, partition, clockMs: newest } of this.clocks.values()) {
      // A switch whose clock runs far ahead must not empty every window of its partition.
      const clockMs = Math.min(newest, now() + aheadMs);
      const due = await store.dueEntities(side, partition, clockMs);
      if (due.length === 0) continue;
      const metrics = await store.tick(due, clockMs, epoch());
      onTicked(metrics.length);
      store.queueDue(side, partition, metrics);
      await publish(metrics);
    }
  }
}
