/**
 * Delivers one push stream, in order, while this instance holds the stream's lease: the
 * oldest pending event is signed, POSTed (push-set.ts) and removed once the receiver took it
 * or refused it for good; a failure is retried with exponential backoff (capped at
 * STS_SSF_RETRY_MAX) while every later event waits, and the lease is renewed through the
 * wait, so no other instance delivers the stream meanwhile. A new delivery configuration
 * (the receiver fixed its endpoint) ends the wait at once. The worker stops when the stream
 * is gone, paused, no longer push, or the lease is lost.
 */
import type { FastifyBaseLogger } from 'fastify';
import { backoffDelay } from '../alerts/index.js';
import type { SecurityEventMetrics } from '../metrics/index.js';
import type { Signer } from '../signing/index.js';
import { pushTargetPolicy } from './push-address.js';
import { pushSet } from './push-set.js';
import type { SsfSettings } from './settings.js';
import { signPending } from './sign-set.js';
import type { SsfState, StreamRecord } from './state.js';
import { PUSH_METHOD } from './vocabulary.js';
import type { Wakeups } from './wakeups.js';

export interface PushWorkerDeps {
  issuer: string;
  state: SsfState;
  settings: SsfSettings;
  metrics: SecurityEventMetrics;
  logger: Pick<FastifyBaseLogger, 'info' | 'warn'>;
  wakeups: Wakeups;
  signer: () => Signer;
  /** This instance, as the lease holder. */
  owner: string;
  leaseTtlMs: number;
  now: () => number;
  random?: () => number;
}

const isPushEnabled = (stream: StreamRecord | null): stream is StreamRecord =>
  stream !== null && stream.status === 'enabled' && stream.delivery.method === PUSH_METHOD;

export async function runPushWorker(deps: PushWorkerDeps, id: string, signal: AbortSignal): Promise<void> {
  const { state, settings } = deps;
  const targets = pushTargetPolicy(deps.issuer, settings);
  const renewEveryMs = Math.max(10, Math.floor(deps.leaseTtlMs / 3));
  const lease = () => state.acquireLease(id, deps.owner, deps.leaseTtlMs);
  let attempts = 0;
  try {
    while (!signal.aborted && (await lease())) {
      const stream = await state.getStream(id);
      if (!isPushEnabled(stream) || stream.delivery.method !== PUSH_METHOD) return;
      const target = stream.delivery;
      const [next] = await state.pending(id, 1);
      if (!next) {
        await deps.wakeups.wait(renewEveryMs, signal);
        continue;
      }
      const signed = signPending(next, stream, deps.issuer, deps.signer());
      const outcome = await pushSet(target, signed.set, { timeoutMs: settings.pushTimeoutMs, targets, signal });
      if (signal.aborted) return;
      if (outcome.result === 'retry') {
        attempts++;
        deps.metrics.failed('push', outcome.why);
        if (attempts === 1 || (attempts & (attempts - 1)) === 0) deps.logger.warn({ stream: id, why: outcome.why, attempts }, 'SET push failed; retrying');
        const delayMs = backoffDelay(attempts, settings.retryBaseMs, settings.retryMaxMs, deps.random ?? Math.random);
        if (await waitKeepingLease(deps, id, stream, delayMs, renewEveryMs, signal)) attempts = 0;
        continue;
      }
      attempts = 0;
      await state.ack(id, [signed.jti]);
      if (outcome.result === 'delivered') {
        deps.metrics.delivered('push', (deps.now() - signed.atMs) / 1000);
      } else {
        deps.metrics.failed('push', outcome.err);
        deps.logger.warn({ stream: id, err: outcome.err }, 'the receiver refused a SET; it is not sent again');
      }
    }
  } finally {
    await state.releaseLease(id, deps.owner).catch(() => undefined);
  }
}

/**
 * Waits `delayMs`, renewing the lease on the way; returns true early when the stream's delivery
 * configuration changed (worth trying at once), false when the wait ran out. A lost lease or a
 * stream gone ends the wait; the caller's loop then sees it and stops.
 */
async function waitKeepingLease(deps: PushWorkerDeps, id: string, stream: StreamRecord, delayMs: number, renewEveryMs: number, signal: AbortSignal): Promise<boolean> {
  const until = performance.now() + delayMs;
  const delivery = JSON.stringify(stream.delivery);
  for (let left = delayMs; left > 0 && !signal.aborted; left = until - performance.now()) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(left, renewEveryMs));
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
    if (signal.aborted || !(await deps.state.acquireLease(id, deps.owner, deps.leaseTtlMs))) return false;
    const current = await deps.state.getStream(id);
    if (!isPushEnabled(current)) return false;
    if (JSON.stringify(current.delivery) !== delivery) return true;
  }
  return false;
}
