// One aggregator in a worker thread of `startAggregators` (workers.ts): it answers the main thread's questions
// (metrics, window-store figures), reports its health checks every second, and stops when told.
import { parentPort, workerData } from 'node:worker_threads';
import type { AggregatorConfig } from './service';
import { startAggregator } from './service';
import type { FromWorker, ToWorker } from './workers';

const port = parentPort;
if (!port) throw new Error('worker.js runs as a worker thread of startAggregators');
const send = (message: FromWorker) => port.postMessage(message);
// The thread ends once nothing holds it; a client that still does is cut off.
const end = (code: number) => {
  port.close();
  setTimeout(() => process.exit(code), 2_000).unref();
};

startAggregator((workerData as { config: AggregatorConfig }).config, { listen: false }).then(
  (aggregator) => {
    const { health } = aggregator.runtime;
    const report = () => send({ type: 'health', failing: health.failing() });
    const reporter = setInterval(report, 1_000);
    report();
    send({ type: 'ready' });
    port.on('message', (message: ToWorker) => {
      if (message.type === 'ask') {
        const one = message.metric === undefined ? undefined : health.registry.getSingleMetric(message.metric);
        const answer = message.what === 'metrics'
          ? (message.metric === undefined ? health.registry.getMetricsAsJSON() : Promise.all(one ? [one.get()] : []))
          : Promise.resolve({ ...aggregator.store.counts, inMemory: aggregator.store.entitiesInMemory });
        void answer.then((value) => send({ type: 'answer', id: message.id, value }));
      } else if (message.type === 'stop') {
        clearInterval(reporter);
        void aggregator.stop().finally(() => {
          send({ type: 'stopped' });
          end(0);
        });
      }
    });
  },
  (err: Error & { code?: string }) => {
    send({ type: 'failed', message: err.message, ...(err.code ? { code: err.code } : {}) });
    end(1);
  },
);
