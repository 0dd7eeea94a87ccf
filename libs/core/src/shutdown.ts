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
 * watchParent gives the process one SIGTERM (the graceful stop) when the process that started it, `parentPid`
 * (CALLWATCH_PARENT_PID, set by a supervisor such as `npm start`), is no longer its parent: a supervisor killed with
 * SIGKILL cannot stop its children, so they notice on their own that they were orphaned. Unset: no watch.
 */
export function watchParent(log: Logger, parentPid: string | undefined, intervalMs = 1_000): void {
  if (parentPid === undefined || parentPid === '') return;
  const expected = Number(parentPid);
  if (!Number.isInteger(expected) || expected <= 0) {
    log.fatal({ CALLWATCH_PARENT_PID: parentPid }, `CALLWATCH_PARENT_PID: expected a process id, got "${parentPid}"`);
    process.exit(1);
  }
  const timer = setInterval(() => {
    if (process.ppid === expected) return;
    clearInterval(timer);
    log.warn({ parentPid: expected }, 'the process that started this service is gone: stopping');
    process.kill(process.pid, 'SIGTERM');
  }, intervalMs);
  timer.unref();
}

/**
 * runService is every service's main: start it, stop it gracefully on SIGTERM/SIGINT, and exit with a
 * logged reason when it cannot start (bad configuration, unreachable Kafka or registry).
 */
export function runService(name: string, start: () => Promise<{ stop(): Promise<void> }>): void {
  const log = createLogger(name);
  watchParent(log, process.env.CALLWATCH_PARENT_PID);
  start().then(
    (service) => onShutdown(log, [{ name, close: () => service.stop() }]),
    (err: Error) => {
      log.fatal({ err, code: (err as { code?: string }).code }, err.message);
      process.exit(1);
    },
  );
}
