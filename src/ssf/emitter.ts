/**
 * emit(): the broker's one entry point for security events. It never blocks or throws into the
 * action that caused the event: the event is queued (bounded) and appended in the background,
 * in order, to every stream that takes it, retried a few times when the state cannot be
 * reached. Each stream's copy has a jti derived from the event and the stream, so a retried
 * append never doubles an event.
 *
 * Delivery is at-least-once, so an event given up on (the state unreachable through every
 * retry, or the queue full) is not silently lost: it is owed to every stream as a gap event
 * (the broker's events-dropped type, as for a full backlog) carrying when the last lost event
 * happened, and a receiver refuses every token issued until then. The gap goes out ahead of
 * the next event appended or, with none coming, on its own once the state answers again.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { SecurityEventMetrics } from '../metrics/index.js';
import type { AudienceScope } from './audience-scope.js';
import { RECENT_EVENTS_MS, streamJti } from './catch-up.js';
import { eventContent, lostEventsRecord, streamCopy, type EventRecord } from './event-record.js';
import type { SecurityEvent, SecurityEvents } from './security-event.js';
import type { SsfSettings } from './settings.js';
import type { SsfState } from './state.js';
import { streamTakes } from './stream-config.js';
import type { Wakeups } from './wakeups.js';

/** Events waiting to be appended; past it one is dropped (logged, counted, owed as a gap) rather than grow. */
const MAX_QUEUED = 10_000;
const APPEND_RETRY = { attempts: 5, delayMs: 200 };

export interface EmitterDeps {
  issuer: string;
  state: SsfState;
  settings: SsfSettings;
  metrics: SecurityEventMetrics;
  logger: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  wakeups: Wakeups;
  /** Which receivers learn of which event. */
  scope: AudienceScope;
  /** Appends tried per event, and the delay that grows with each attempt (tests shorten it). */
  appendRetry?: { attempts: number; delayMs: number };
  /** Queued events past which one is dropped (tests lower it). */
  maxQueued?: number;
}

export interface Emitter extends SecurityEvents {
  /** Resolves when every event emitted so far was appended (or given up). */
  flush(): Promise<void>;
  /** Stops retrying a gap owed to the streams (at shutdown). */
  close(): void;
}

/** The events given up on so far: how many, the last one's time, and the txn of their gap event. */
interface Owed {
  count: number;
  untilMs: number;
  txn: string;
}

export function createEmitter(deps: EmitterDeps): Emitter {
  const retry = deps.appendRetry ?? APPEND_RETRY;
  const maxQueued = deps.maxQueued ?? MAX_QUEUED;
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  let owed: Owed | null = null;
  let gapTimer: NodeJS.Timeout | undefined;
  let closed = false;

  async function appendEverywhere(record: Omit<EventRecord, 'jti'>): Promise<void> {
    // Remembered before the streams are listed: a stream created meanwhile either is listed
    // here or finds the event in its catch-up (a copy in both has one jti, appended once).
    // One short of a stream's backlog: a new stream takes them all, behind a gap event when some were lost.
    await deps.state.remember({ atMs: record.atMs, record: JSON.stringify(record) }, record.atMs - RECENT_EVENTS_MS, deps.settings.maxBacklog - 1);
    const streams = await deps.state.listStreams();
    for (const stream of streams) {
      const jti = streamJti(record.txn, stream.id);
      const copy = streamCopy(record, stream.id, jti, deps.issuer);
      if (!streamTakes(stream, copy, deps.issuer, deps.scope)) continue;
      const { dropped } = await deps.state.append(stream.id, jti, JSON.stringify(copy), record.atMs, deps.settings.maxBacklog);
      if (dropped > 0) deps.metrics.dropped(dropped);
    }
    await deps.state.signal();
  }

  /** Appends the gap owed for lost events, if any; events lost meanwhile stay owed. */
  async function appendOwedGap(): Promise<void> {
    const gap = owed;
    if (!gap) return;
    await appendEverywhere(lostEventsRecord(deps.issuer, gap.txn, gap));
    if (owed === gap) owed = null;
  }

  /** An event that will never be appended: owed to every stream as a gap, retried until it is. */
  function giveUp(atMs: number): void {
    // A new txn whenever the gap grows: streams that took the smaller one still get the larger.
    owed = { count: (owed?.count ?? 0) + 1, untilMs: Math.max(owed?.untilMs ?? 0, atMs), txn: randomUUID() };
    deps.metrics.dropped(1);
    scheduleGap();
  }

  function scheduleGap(): void {
    if (gapTimer || closed) return;
    gapTimer = setTimeout(() => {
      gapTimer = undefined;
      chain = chain.then(retryOwedGap);
    }, retry.delayMs * retry.attempts);
    gapTimer.unref();
  }

  async function retryOwedGap(): Promise<void> {
    try {
      await appendOwedGap();
      deps.wakeups.notify();
    } catch (error) {
      deps.logger.error({ err: (error as Error).message, owed: owed?.count }, 'the gap event for lost security events could not be queued yet; retrying');
      scheduleGap();
    }
  }

  async function deliverToStreams(event: SecurityEvent): Promise<void> {
    const audiences = deps.scope.eventAudiences(event);
    const record = {
      ...eventContent(event, deps.issuer), txn: randomUUID(), iat: Math.floor(event.atMs / 1000), atMs: event.atMs,
      ...(audiences === undefined ? {} : { audiences }),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await appendOwedGap();
        await appendEverywhere(record);
        deps.wakeups.notify();
        return;
      } catch (error) {
        if (attempt >= retry.attempts) {
          deps.logger.error({ err: (error as Error).message, kind: event.kind, txn: record.txn }, 'security event could not be queued for the receivers: a gap event is owed');
          giveUp(event.atMs);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retry.delayMs * attempt));
      }
    }
  }

  return {
    emit(event) {
      deps.metrics.emitted(event.kind);
      if (queued >= maxQueued) {
        deps.logger.error({ kind: event.kind }, 'security event queue full: event dropped, a gap event is owed');
        giveUp(event.atMs);
        return;
      }
      queued++;
      chain = chain.then(() => deliverToStreams(event)).finally(() => { queued--; });
    },
    flush: () => chain,
    close() {
      closed = true;
      clearTimeout(gapTimer);
      gapTimer = undefined;
    },
  };
}
