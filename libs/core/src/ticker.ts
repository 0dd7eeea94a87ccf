/** Ticker is a task that runs on a timer, one run at a time, until stopped. */
export interface Ticker {
  /** stop ends the timer, and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/**
 * startTicker runs `task` every `everyMs`, counted from the end of the run before, so that a slow run delays the next
 * rather than overlapping it; the first run is at once with `immediately`, else after `everyMs`. A failed run goes to
 * `onError`, and the next run comes as usual. The timer does not keep the process alive.
 */
export function startTicker(everyMs: number, task: () => Promise<void>, onError: (err: unknown) => void, { immediately = false } = {}): Ticker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = (): void => {
    timer = setTimeout(run, everyMs);
    timer.unref();
  };
  const run = (): void => {
    running = task()
      .catch(onError)
      .finally(() => {
        running = undefined;
        if (!stopped) schedule();
      });
  };
  if (immediately) run();
  else schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
