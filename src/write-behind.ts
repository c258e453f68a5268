/**
 * Write-behind batching for work no token decision waits on (the store's audit copy and
 * activity counters, anomaly counting). Events with the same key merge into one batch;
 * every batch is written at most `intervalMs` after its first event, in one call per key.
 * Done per token, that work cost the broker more CPU than signing the token. The promise
 * of add() settles when the event's batch is written, so a caller that must know (tests,
 * an operator's command) can still wait for it.
 */
interface WriteBehindOptions<E, B> {
  intervalMs: number;
  /** Distinct keys held at once; one more forces a flush (bounds memory under any load). */
  maxKeys: number;
  start(event: E): B;
  merge(batch: B, event: E): void;
  /** True when the batch should be written now rather than at the interval. */
  full?(batch: B): boolean;
  write(key: string, batch: B): Promise<void>;
}

interface WriteBehind<E> {
  add(key: string, event: E): Promise<void>;
  /** Writes every pending batch now; resolves when all writes under way are settled. */
  flush(): Promise<void>;
}

interface Pending<B> {
  batch: B;
  done: Promise<void>;
  settle(error?: unknown): void;
}

function pending<B>(batch: B): Pending<B> {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The caller may ignore the promise; a failure is never an unhandled rejection.
  done.catch(() => {});
  return { batch, done, settle: (error) => (error === undefined ? resolve() : reject(error)) };
}

export function createWriteBehind<E, B>(options: WriteBehindOptions<E, B>): WriteBehind<E> {
  let batches = new Map<string, Pending<B>>();
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  function writeOne(key: string, entry: Pending<B>): Promise<void> {
    const written = options.write(key, entry.batch).then(() => entry.settle(), (error: unknown) => entry.settle(error));
    inFlight.add(written);
    void written.finally(() => inFlight.delete(written));
    return written;
  }

  function flushNow(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const taken = batches;
    batches = new Map();
    const writes: Promise<void>[] = [];
    for (const [key, entry] of taken) writes.push(writeOne(key, entry));
    return Promise.all(writes).then(() => {});
  }

  async function flushAll(): Promise<void> {
    await flushNow();
    await Promise.all([...inFlight]);
  }

  return {
    add(key, event) {
      let entry = batches.get(key);
      if (entry) {
        options.merge(entry.batch, event);
      } else {
        if (batches.size >= options.maxKeys) void flushNow();
        entry = pending(options.start(event));
        batches.set(key, entry);
      }
      const done = entry.done;
      if (options.full?.(entry.batch)) {
        batches.delete(key);
        void writeOne(key, entry);
      } else if (!timer) {
        // Not unref'd: a process with pending writes lives the few ms it takes to write them.
        timer = setTimeout(() => void flushNow(), options.intervalMs);
      }
      return done;
    },
    flush: flushAll,
  };
}
