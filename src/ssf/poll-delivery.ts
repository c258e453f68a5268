/**
 * RFC 8936 poll delivery: the receiver's request acknowledges what it processed (`ack`, and
 * `setErrs` for SETs it could not: also removed, and counted), then gets the oldest pending
 * SETs, at most `maxEvents`, signed now. With `returnImmediately` false and nothing pending,
 * the request waits (long poll, at most STS_SSF_POLL_WAIT) until an event arrives on any
 * instance. Unacknowledged SETs are returned again by the next poll: at-least-once.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { SecurityEventMetrics } from '../metrics/index.js';
import type { Signer } from '../signing/index.js';
import type { SsfSettings } from './settings.js';
import { signPending } from './sign-set.js';
import type { SsfState, StreamRecord } from './state.js';
import type { Wakeups } from './wakeups.js';

/** RFC 8936 §2.4 request members. */
export interface PollRequest {
  ack?: string[];
  setErrs?: Record<string, { err: string; description?: string }>;
  maxEvents?: number;
  returnImmediately?: boolean;
}

/** RFC 8936 §2.5 response. */
export interface PollResponse {
  sets: Record<string, string>;
  moreAvailable?: boolean;
}

const DEFAULT_MAX_EVENTS = 100;
/** SETs handed out and not yet acknowledged, remembered for the delivery lag (bounded). */
const MAX_REMEMBERED = 10_000;

export interface PollDeps {
  issuer: string;
  clock: Clock;
  state: SsfState;
  settings: SsfSettings;
  metrics: SecurityEventMetrics;
  logger: Pick<FastifyBaseLogger, 'warn'>;
  wakeups: Wakeups;
  signer: () => Signer;
}

export function createPollDelivery(deps: PollDeps) {
  const handedOut = new Map<string, number>();

  async function acknowledge(stream: StreamRecord, request: PollRequest): Promise<void> {
    const errors = Object.entries(request.setErrs ?? {});
    const jtis = [...(request.ack ?? []), ...errors.map(([jti]) => jti)];
    if (jtis.length === 0) return;
    await deps.state.ack(stream.id, jtis);
    for (const jti of request.ack ?? []) {
      const atMs = handedOut.get(jti);
      handedOut.delete(jti);
      deps.metrics.delivered('poll', atMs === undefined ? Number.NaN : (deps.clock() - atMs) / 1000);
    }
    for (const [jti, error] of errors) {
      handedOut.delete(jti);
      deps.metrics.failed('poll', error.err);
      deps.logger.warn({ stream: stream.id, jti, err: error.err.slice(0, 64) }, 'the receiver reported a SET it could not process');
    }
  }

  async function pendingSets(stream: StreamRecord, max: number): Promise<PollResponse | null> {
    const pending = await deps.state.pending(stream.id, max + 1);
    if (pending.length === 0) return null;
    const sets: Record<string, string> = {};
    const signer = deps.signer();
    for (const event of pending.slice(0, max)) {
      const signed = signPending(event, stream, deps.issuer, signer);
      sets[signed.jti] = signed.set;
      if (handedOut.size >= MAX_REMEMBERED) handedOut.delete(handedOut.keys().next().value as string);
      handedOut.set(signed.jti, signed.atMs);
    }
    return pending.length > max ? { sets, moreAvailable: true } : { sets };
  }

  return {
    async poll(stream: StreamRecord, request: PollRequest, signal: AbortSignal): Promise<PollResponse> {
      await deps.state.touchStream(stream.id, deps.clock());
      await acknowledge(stream, request);
      const max = request.maxEvents ?? DEFAULT_MAX_EVENTS;
      if (max === 0) return { sets: {} };
      const until = performance.now() + (request.returnImmediately ? 0 : deps.settings.pollWaitMs);
      let current: StreamRecord | null = stream;
      for (;;) {
        // SSF §8.1.2: a paused stream holds its events; a disabled one has none.
        const found = current?.status === 'enabled' ? await pendingSets(current, max) : null;
        const left = until - performance.now();
        if (found || left <= 0 || signal.aborted) return found ?? { sets: {} };
        await deps.wakeups.wait(left, signal);
        current = await deps.state.getStream(stream.id);
      }
    },
  };
}

export type PollDelivery = ReturnType<typeof createPollDelivery>;
