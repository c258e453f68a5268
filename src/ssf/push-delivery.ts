/**
 * Every instance looks, every second and whenever an event may have been appended, for push
 * streams that no instance is delivering; it takes the lease of each it can and runs a worker
 * for it (push-worker.ts). One instance delivers a stream at a time, so its events go out in
 * order; when that instance stops (its leases are released) or dies (they expire), another
 * takes over where the acknowledged events end: at-least-once, never lost.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { runPushWorker, type PushWorkerDeps } from './push-worker.js';
import { PUSH_METHOD } from './vocabulary.js';

export interface PushDelivery {
  close(): Promise<void>;
}

const SCAN_MS = 1_000;
const LEASE_TTL_MS = 10_000;

export function startPushDelivery(deps: Omit<PushWorkerDeps, 'owner' | 'leaseTtlMs'> & { logger: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'> }): PushDelivery {
  const owner = randomUUID();
  const workers = new Map<string, Promise<void>>();
  const closing = new AbortController();
  const workerDeps: PushWorkerDeps = { ...deps, owner, leaseTtlMs: LEASE_TTL_MS };

  async function scan(): Promise<void> {
    const streams = await deps.state.listStreams();
    for (const stream of streams) {
      if (workers.has(stream.id) || stream.status !== 'enabled' || stream.delivery.method !== PUSH_METHOD) continue;
      if (!(await deps.state.acquireLease(stream.id, owner, LEASE_TTL_MS))) continue;
      const worker = runPushWorker(workerDeps, stream.id, closing.signal)
        .catch((error: unknown) => deps.logger.warn({ stream: stream.id, err: (error as Error).message }, 'push delivery interrupted; it resumes on the next scan'))
        .finally(() => workers.delete(stream.id));
      workers.set(stream.id, worker);
    }
  }

  const loop = (async () => {
    let failing = false;
    while (!closing.signal.aborted) {
      try {
        await scan();
        failing = false;
      } catch (error) {
        // One warning per outage, not one per second.
        if (!failing) deps.logger.warn({ err: (error as Error).message }, 'push delivery cannot read the streams; it resumes when the store answers');
        failing = true;
      }
      await deps.wakeups.wait(SCAN_MS, closing.signal);
    }
  })();

  return {
    async close() {
      closing.abort();
      await loop;
      await Promise.all(workers.values());
    },
  };
}
