/**
 * Wakes the deliveries and long polls waiting on this instance when an event may have been
 * appended: at once when this instance appended it, and within `everyMs` when another did
 * (the shared state's version changes). Waiters then look at their own stream again.
 */
export interface Wakeups {
  /** Resolves on the next wake-up, after `ms`, or when `signal` aborts, whichever is first. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  notify(): void;
  close(): void;
}

export function createWakeups(options: { version: () => Promise<number>; everyMs: number }): Wakeups {
  const waiters = new Set<() => void>();
  let seen: number | undefined;
  let checking = false;
  const notify = () => {
    const woken = [...waiters];
    waiters.clear();
    for (const wake of woken) wake();
  };
  const watch = setInterval(() => {
    if (checking || waiters.size === 0) return;
    checking = true;
    options.version().then((version) => {
      if (seen !== undefined && version !== seen) notify();
      seen = version;
    }, () => undefined).finally(() => { checking = false; });
  }, options.everyMs);
  watch.unref();
  // Learn the current version before the first wait, so the first change is seen as one.
  options.version().then((version) => { seen ??= version; }, () => undefined);

  return {
    wait(ms, signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
    notify,
    close() {
      clearInterval(watch);
      notify();
    },
  };
}
