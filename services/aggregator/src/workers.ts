import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AggregatorRegistry, Registry } from 'prom-client';
import { apiToken, createLogger, startHealthServer, type Logger } from '@callwatch/core';
import { checkSettings } from './config';
import type { Aggregator, AggregatorConfig } from './service';
import { startAggregator } from './service';

/** StoreFigures are what window stores read and wrote, and how many entities they hold. */
export interface StoreFigures {
  loads: number;
  writes: number;
  conflicts: number;
  inMemory: number;
}

/**
 * Aggregators are the aggregators one process runs: one in the main thread, or `AGGREGATOR_WORKERS` in worker
 * threads, each a member of the consumer groups like an instance of its own, sharing nothing with the others.
 */
export interface Aggregators {
  /** how many aggregators run */
  readonly count: number;
  /** the port of the process's health server (`/healthz`, `/metrics`) */
  readonly port: number;
  /** the aggregators' metrics (or only the one named), summed over them */
  metrics(name?: string): Promise<Registry>;
  /** their window stores' figures, summed */
  figures(): Promise<StoreFigures>;
  stop(): Promise<void>;
}

/** What the main thread sends a worker. */
export type ToWorker = { type: 'ask'; id: number; what: 'metrics' | 'figures'; metric?: string } | { type: 'stop' };
/** What a worker sends the main thread. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string; code?: string }
  | { type: 'health'; failing: string[] }
  | { type: 'answer'; id: number; value: unknown }
  | { type: 'stopped' };

/** How long /metrics waits for a thread (one busy with a long batch answers after it). */
const ASK_TIMEOUT_MS = 5_000;

/** A worker's health report older than this fails `/healthz` (it reports every second). */
const HEALTH_STALE_MS = 10_000;

/**
 * startAggregators starts `AGGREGATOR_WORKERS` aggregators: with 1, one in this thread (`startAggregator`); with
 * more, each in a worker thread, and this thread serves `/healthz` (failing while any worker fails a check or is
 * gone) and `/metrics` (the workers' metrics summed, and this process's). A worker that dies calls `onFailure`
 * (by default: log it and exit the process, so that its supervisor starts it again; the offsets in Redis skip what
 * any of them checkpointed).
 */
export async function startAggregators(config: AggregatorConfig, { onFailure }: { onFailure?: (err: Error) => void } = {}): Promise<Aggregators> {
  if (config.AGGREGATOR_WORKERS <= 1) return inThisThread(await startAggregator(config));
  // Once here rather than once per thread.
  checkSettings(config);
  const log = createLogger('aggregator', config.LOG_LEVEL);
  const failed = onFailure ?? ((err: Error) => {
    log.fatal({ err }, `${err.message}: exiting`);
    process.exit(1);
  });
  const threads = Array.from({ length: config.AGGREGATOR_WORKERS }, (_, index) => new AggregatorThread(index, config, log, failed));
  const ask = async <T>(what: 'metrics' | 'figures', metric?: string) => Promise.all(threads.map((t) => t.ask(what, metric) as Promise<T>));
  // Counters and histograms are summed over the threads (gauges too: entities in memory, lag).
  // One metric asked for (a benchmark polling a counter) is all a thread serializes.
  const workerMetrics = async (name?: string) => AggregatorRegistry.aggregate(await ask<object[]>('metrics', name)) as unknown as Registry;
  const health = await startHealthServer({
    host: config.METRICS_HOST, port: config.METRICS_PORT, service: 'aggregator', token: apiToken(config), log,
    metrics: async (own) => Registry.merge([own, await workerMetrics()]).metrics(),
  });
  threads.forEach((t) => health.addCheck(`worker-${t.index}`, () => t.healthy()));
  try {
    await Promise.all(threads.map((t) => t.started));
  } catch (err) {
    await Promise.all(threads.map((t) => t.stop()));
    await health.close();
    throw err;
  }
  log.info({ workers: threads.length, metricsPort: health.port }, 'aggregators running in worker threads');
  return {
    count: threads.length,
    port: health.port,
    metrics: workerMetrics,
    figures: async () => {
      const all = await ask<StoreFigures>('figures');
      return all.reduce((sum, f) => ({ loads: sum.loads + f.loads, writes: sum.writes + f.writes, conflicts: sum.conflicts + f.conflicts, inMemory: sum.inMemory + f.inMemory }));
    },
    stop: async () => {
      await Promise.all(threads.map((t) => t.stop()));
      await health.close();
    },
  };
}

function inThisThread(aggregator: Aggregator): Aggregators {
  return {
    count: 1,
    port: aggregator.runtime.health.port,
    metrics: async () => aggregator.runtime.health.registry,
    figures: async () => ({ ...aggregator.store.counts, inMemory: aggregator.store.entitiesInMemory }),
    stop: () => aggregator.stop(),
  };
}

/** AggregatorThread is one worker thread running an aggregator (worker.ts), and what the main thread knows of it. */
class AggregatorThread {
  readonly started: Promise<void>;
  private readonly worker: Worker;
  private readonly asked = new Map<number, (value: unknown) => void>();
  private nextId = 0;
  private failing: string[] = ['starting'];
  private reportedMs = Date.now();
  private stopping = false;
  private gone = false;
  private readonly exited: Promise<void>;

  constructor(readonly index: number, config: AggregatorConfig, private readonly log: Logger, failed: (err: Error) => void) {
    this.worker = new Worker(join(__dirname, 'worker.js'), { workerData: { config } });
    let ready: () => void = () => undefined;
    let notStarted: (err: Error) => void = () => undefined;
    this.started = new Promise<void>((resolve, reject) => {
      ready = resolve;
      notStarted = reject;
    });
    this.worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') ready();
      else if (message.type === 'failed') notStarted(Object.assign(new Error(message.message), message.code ? { code: message.code } : {}));
      else if (message.type === 'health') {
        this.failing = message.failing;
        this.reportedMs = Date.now();
      } else if (message.type === 'answer') {
        this.asked.get(message.id)?.(message.value);
        this.asked.delete(message.id);
      }
    });
    this.exited = new Promise<void>((resolve) => {
      this.worker.once('exit', (code) => {
        this.gone = true;
        for (const answer of this.asked.values()) answer(undefined);
        this.asked.clear();
        const err = new Error(`aggregator worker ${index} exited (code ${code})`);
        notStarted(err);
        if (!this.stopping) failed(err);
        resolve();
      });
    });
    // An uncaught error in the worker ends it: its exit says the rest.
    this.worker.on('error', (err) => log.error({ err, worker: index }, 'aggregator worker failed'));
  }

  healthy(): boolean {
    return !this.gone && this.failing.length === 0 && Date.now() - this.reportedMs < HEALTH_STALE_MS;
  }

  /** ask asks the thread for its metrics or figures; a thread gone, or silent for ASK_TIMEOUT_MS, counts as none. */
  ask(what: 'metrics' | 'figures', metric?: string): Promise<unknown> {
    const none = what === 'metrics' ? [] : { loads: 0, writes: 0, conflicts: 0, inMemory: 0 };
    if (this.gone) return Promise.resolve(none);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.asked.delete(id);
        this.log.warn({ worker: this.index, what, timeoutMs: ASK_TIMEOUT_MS }, 'an aggregator thread did not answer in time: left out');
        resolve(none);
      }, ASK_TIMEOUT_MS);
      this.asked.set(id, (value) => {
        clearTimeout(timer);
        resolve(value ?? none);
      });
      this.worker.postMessage({ type: 'ask', id, what, ...(metric === undefined ? {} : { metric }) } satisfies ToWorker);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.gone) this.worker.postMessage({ type: 'stop' } satisfies ToWorker);
    await this.exited;
    this.log.debug({ worker: this.index }, 'aggregator worker stopped');
  }
}
