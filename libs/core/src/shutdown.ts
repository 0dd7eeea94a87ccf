import type { Logger } from 'pino';
import { createLogger } from './logger';

/** Closer is one step of a graceful shutdown, run in registration order. */
export type Closer = { name: string; close: () => Promise<void> };

/**
 * onShutdown runs the closers once, in order, on SIGTERM or SIGINT (finish the batch in flight,
 * commit, close clients), then exits; a second signal or the timeout exits at once.
 */
export function onShutdown(log: Logger, closers: Closer[], { timeoutMs = 30_000 }: { timeoutMs?: number } = {}): () => Promise<void> {
  let running: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    running ??= (async () => {
      for (const closer of closers) {
        try {
          await closer.close();
          log.debug({ step: closer.name }, 'closed');
        } catch (err) {
          log.error({ err, step: closer.name }, 'shutdown step failed');
        }
      }
    })();
    return running;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    void shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return shutdown;
}

/**
 * runService is every service's main: start it, stop it gracefully on SIGTERM/SIGINT, and exit with a
 * logged reason when it cannot start (bad configuration, unreachable Kafka or registry).
 */
export function runService(name: string, start: () => Promise<{ stop(): Promise<void> }>): void {
  const log = createLogger(name);
  start().then(
    (service) => onShutdown(log, [{ name, close: () => service.stop() }]),
    (err: Error) => {
      log.fatal({ err, code: (err as { code?: string }).code }, err.message);
      process.exit(1);
    },
  );
}
