/**
 * Store events across instances: a write emits its event locally at once and PUBLISHes it;
 * a dedicated subscriber connection delivers other instances' events (our own are skipped by
 * instance id). Events are hints: a lost one only delays a cache refresh, never a decision.
 */
import { randomBytes } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import type { StoreEvent } from '../types.js';

export interface StoreLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

type Listener = (event: StoreEvent) => void;

function parseEvent(v: unknown): StoreEvent | null {
  if (typeof v !== 'object' || v === null) return null;
  const e = v as Record<string, unknown>;
  if (e.type === 'agent' && typeof e.agentId === 'string') return { type: 'agent', agentId: e.agentId };
  if (e.type === 'token-revoked' && typeof e.jti === 'string') return { type: 'token-revoked', jti: e.jti };
  if (e.type === 'person-revoked' && typeof e.issuer === 'string' && typeof e.subject === 'string') {
    return { type: 'person-revoked', issuer: e.issuer, subject: e.subject };
  }
  if (e.type === 'keyring' && typeof e.version === 'number') return { type: 'keyring', version: e.version };
  if (e.type === 'epoch' && typeof e.epochMs === 'number') return { type: 'epoch', epochMs: e.epochMs };
  return null;
}

export function createEvents(o: { client: Redis | Cluster; channel: string; logger: StoreLogger | undefined }) {
  const id = randomBytes(8).toString('hex');
  const listeners = new Set<Listener>();
  let remoteFilter: (e: StoreEvent) => boolean = () => true;
  let sub: Redis | Cluster | undefined;

  const emit = (event: StoreEvent) => {
    for (const l of listeners) {
      try { l(event); } catch { /* a listener's failure is its own */ }
    }
  };
  const onMessage = (channel: string, message: string) => {
    if (channel !== o.channel) return;
    try {
      const m = JSON.parse(message) as { src?: unknown; event?: unknown };
      if (m.src === id) return;
      const event = parseEvent(m.event);
      if (event && remoteFilter(event)) emit(event);
    } catch {
      o.logger?.warn({}, 'ignored a malformed store event');
    }
  };

  return {
    /** A filter for remote events (e.g. drop an epoch change this instance already saw). */
    onRemote(filter: (e: StoreEvent) => boolean) { remoteFilter = filter; },
    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
    publish(event: StoreEvent): void {
      emit(event);
      (o.client as Redis).publish(o.channel, JSON.stringify({ src: id, event })).catch((err: Error) =>
        o.logger?.warn({ err: err.message, event: event.type }, 'could not publish store event'));
    },
    /**
     * Subscribes whenever the subscriber connection is (again) ready: Redis may be down at start.
     * Resolves once subscribed, or after `waitMs` (the subscription then follows when Redis answers).
     */
    start(waitMs: number): Promise<void> {
      const s: Redis | Cluster = o.client instanceof Cluster ? o.client.duplicate() : o.client.duplicate();
      sub = s;
      s.on('error', (err: Error) => o.logger?.warn({ err: err.message }, 'redis subscriber error'));
      s.on('message', onMessage);
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        s.on('ready', () => {
          s.subscribe(o.channel).then(
            () => { clearTimeout(timer); resolve(); },
            (err: Error) => o.logger?.warn({ err: err.message }, 'redis subscribe failed; retried on the next reconnect'),
          );
        });
      });
    },
    async stop(): Promise<void> {
      listeners.clear();
      sub?.disconnect();
    },
  };
}
