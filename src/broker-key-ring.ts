/**
 * Bringing the signing key ring up. With the store reachable at start the ring is loaded (or
 * created) before the broker serves, and a ring it cannot decrypt refuses the start. With the
 * store down, the broker starts without a signing key (not ready, tokens 503, JWKS empty) and
 * keeps trying; it becomes ready by itself when the store answers.
 */
import type { FastifyBaseLogger } from 'fastify';
import { StoreUnavailableError } from './errors.js';
import type { KeyRing } from './signing/index.js';

const RETRY_MS = 1_000;

export interface StartKeyRingOptions {
  /** Tick period of the ring's schedule; 0: no timer. */
  tickMs: number;
  logger: FastifyBaseLogger;
  onFatal: ((error: Error) => void) | undefined;
}

export async function startKeyRing(ring: KeyRing, o: StartKeyRingOptions): Promise<void> {
  try {
    await ring.init();
  } catch (error) {
    if (!isStoreOutage(error)) throw error;
    o.logger.warn({ err: (error as Error).message }, 'the signing key ring cannot be loaded yet (store unreachable): not ready until it can');
    retryInBackground(ring, o);
    return;
  }
  if (o.tickMs > 0) ring.start(o.tickMs);
}

function retryInBackground(ring: KeyRing, o: StartKeyRingOptions): void {
  const timer = setInterval(() => {
    ring.init().then(
      () => {
        clearInterval(timer);
        o.logger.info({}, 'signing key ring loaded: ready to mint');
        if (o.tickMs > 0) ring.start(o.tickMs);
      },
      (error: unknown) => {
        if (isStoreOutage(error)) return;
        clearInterval(timer);
        o.logger.fatal({ err: (error as Error).message }, 'the signing key ring cannot be used');
        o.onFatal?.(error as Error);
      },
    );
  }, RETRY_MS);
  timer.unref();
  ring.onClose(() => clearInterval(timer));
}

function isStoreOutage(error: unknown): boolean {
  return error instanceof StoreUnavailableError || (error instanceof Error && /did not appear in the store/.test(error.message));
}
