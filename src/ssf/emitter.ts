/**
 * emit(): the broker's one entry point for security events. It never blocks or throws into the
 * action that caused the event: the event is queued (bounded) and appended in the background,
 * in order, to every stream that takes it, retried a few times when the state cannot be
 * reached. Each stream's copy has a jti derived from the event and the stream, so a retried
 * append never doubles an event.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { SecurityEventMetrics } from '../metrics/index.js';
import { RECENT_EVENTS_MS, streamJti } from './catch-up.js';
import { eventContent, type EventRecord } from './event-record.js';
import type { SecurityEvent, SecurityEvents } from './security-event.js';
import type { SsfSettings } from './settings.js';
import type { SsfState } from './state.js';
import { streamAccepts } from './stream-config.js';
import type { Wakeups } from './wakeups.js';

/** Events waiting to be appended; past it one is dropped (logged, counted) rather than grow. */
const MAX_QUEUED = 10_000;
const APPEND_ATTEMPTS = 5;
const APPEND_RETRY_MS = 200;

export interface EmitterDeps {
  issuer: string;
  state: SsfState;
  settings: SsfSettings;
  metrics: SecurityEventMetrics;
  logger: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  wakeups: Wakeups;
}

export interface Emitter extends SecurityEvents {
  /** Resolves when every event emitted so far was appended (or given up). */
  flush(): Promise<void>;
}

export function createEmitter(deps: EmitterDeps): Emitter {
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;

  async function appendEverywhere(record: Omit<EventRecord, 'jti'>): Promise<void> {
    // Remembered before the streams are listed: a stream created meanwhile either is listed
    // here or finds the event in its catch-up (a copy in both has one jti, appended once).
    // One short of a stream's backlog: a new stream takes them all, behind a gap event when some were lost.
    await deps.state.remember({ atMs: record.atMs, record: JSON.stringify(record) }, record.atMs - RECENT_EVENTS_MS, deps.settings.maxBacklog - 1);
    const streams = await deps.state.listStreams();
    for (const stream of streams) {
      if (!streamAccepts(stream, record.type, record.subId, deps.issuer)) continue;
      const jti = streamJti(record.txn, stream.id);
      const { dropped } = await deps.state.append(stream.id, jti, JSON.stringify({ ...record, jti }), record.atMs, deps.settings.maxBacklog);
      if (dropped > 0) deps.metrics.dropped(dropped);
    }
    await deps.state.signal();
  }

  async function deliverToStreams(event: SecurityEvent): Promise<void> {
    const record = { ...eventContent(event, deps.issuer), txn: randomUUID(), iat: Math.floor(event.atMs / 1000), atMs: event.atMs };
    for (let attempt = 1; ; attempt++) {
      try {
        await appendEverywhere(record);
        deps.wakeups.notify();
        return;
      } catch (error) {
        if (attempt >= APPEND_ATTEMPTS) {
          deps.logger.error({ err: (error as Error).message, kind: event.kind, txn: record.txn }, 'security event could not be queued for the receivers');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, APPEND_RETRY_MS * attempt));
      }
    }
  }

  return {
    emit(event) {
      deps.metrics.emitted(event.kind);
      if (queued >= MAX_QUEUED) {
        deps.logger.error({ kind: event.kind }, 'security event queue full: event dropped');
        return;
      }
      queued++;
      chain = chain.then(() => deliverToStreams(event)).finally(() => { queued--; });
    },
    flush: () => chain,
  };
}
