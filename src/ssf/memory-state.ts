/** SsfState in this process: the embedded store's broker (one instance). */
import type { Clock } from '../clock.js';
import type { PendingEvent, RecentEvent, SsfState, StreamRecord } from './state.js';

interface Queue {
  seq: number;
  events: Map<string, string>;
  gap: { jti: string; dropped: number; lastDropMs: number } | null;
}

export function createMemorySsfState(clock: Clock): SsfState {
  const streams = new Map<string, StreamRecord>();
  const seen = new Map<string, number>();
  const queues = new Map<string, Queue>();
  const leases = new Map<string, { owner: string; untilMs: number }>();
  const verifications = new Map<string, number>();
  let version = 0;
  let recent: RecentEvent[] = [];
  let lost: { untilMs: number; count: number } | null = null;
  const copy = (s: StreamRecord): StreamRecord => structuredClone(s);
  const queue = (id: string): Queue => {
    let q = queues.get(id);
    if (!q) queues.set(id, (q = { seq: 0, events: new Map(), gap: null }));
    return q;
  };

  return {
    async createStream(stream, limits) {
      if (streams.size >= limits.total) return 'total_limit';
      const mine = [...streams.values()].filter((s) => s.receiver === stream.receiver).length;
      if (mine >= limits.perReceiver) return 'receiver_limit';
      streams.set(stream.id, copy(stream));
      return 'created';
    },
    getStream: async (id) => {
      const s = streams.get(id);
      return s ? copy(s) : null;
    },
    listStreams: async (receiver) => [...streams.values()].filter((s) => receiver === undefined || s.receiver === receiver).map(copy),
    async saveStream(stream) {
      if (!streams.has(stream.id)) return false;
      streams.set(stream.id, copy(stream));
      return true;
    },
    async deleteStream(id) {
      queues.delete(id);
      seen.delete(id);
      leases.delete(id);
      verifications.delete(id);
      return streams.delete(id);
    },
    touchStream: async (id, atMs) => void seen.set(id, atMs),
    lastSeen: async (id) => seen.get(id) ?? null,
    async append(id, jti, record, atMs, maxBacklog) {
      const q = queue(id);
      if (q.events.has(jti)) return { appended: false, dropped: 0 };
      let dropped = 0;
      for (const oldest of q.events.keys()) {
        if (q.events.size < maxBacklog) break;
        q.events.delete(oldest);
        dropped++;
      }
      if (dropped > 0) {
        q.seq++;
        q.gap = { jti: `${id}.gap.${q.seq}`, dropped: (q.gap?.dropped ?? 0) + dropped, lastDropMs: atMs };
      }
      q.seq++;
      q.events.set(jti, record);
      return { appended: true, dropped };
    },
    async pending(id, max) {
      const q = queues.get(id);
      if (!q || max <= 0) return [];
      const out: PendingEvent[] = q.gap ? [{ jti: q.gap.jti, gap: { dropped: q.gap.dropped, lastDropMs: q.gap.lastDropMs } }] : [];
      for (const [jti, record] of q.events) {
        if (out.length >= max) break;
        out.push({ jti, record });
      }
      return out.slice(0, max);
    },
    async ack(id, jtis) {
      const q = queues.get(id);
      if (!q) return 0;
      let removed = 0;
      for (const jti of jtis) {
        if (q.gap?.jti === jti) {
          q.gap = null;
          removed++;
        } else if (q.events.delete(jti)) removed++;
      }
      return removed;
    },
    backlog: async (id) => queues.get(id)?.events.size ?? 0,
    clearBacklog: async (id) => void queues.delete(id),
    async acquireLease(id, owner, ttlMs) {
      const now = clock();
      const held = leases.get(id);
      if (held && held.owner !== owner && held.untilMs > now) return false;
      leases.set(id, { owner, untilMs: now + ttlMs });
      return true;
    },
    async releaseLease(id, owner) {
      if (leases.get(id)?.owner === owner) leases.delete(id);
    },
    async claimVerification(id, ttlMs) {
      const now = clock();
      if ((verifications.get(id) ?? Number.NEGATIVE_INFINITY) > now) return false;
      verifications.set(id, now + ttlMs);
      return true;
    },
    async remember(event, keepSinceMs, maxEntries) {
      if (recent.some((e) => e.record === event.record)) return;
      recent.push(event);
      recent.sort((a, b) => a.atMs - b.atMs);
      recent = recent.filter((e) => e.atMs >= keepSinceMs);
      const excess = recent.length - maxEntries;
      if (excess > 0) {
        lost = { untilMs: Math.max(lost?.untilMs ?? 0, ...recent.slice(0, excess).map((e) => e.atMs)), count: (lost?.count ?? 0) + excess };
        recent = recent.slice(excess);
      }
    },
    recent: async (sinceMs) => ({ records: recent.filter((e) => e.atMs >= sinceMs), lost: lost ? { ...lost } : null }),
    signal: async () => void version++,
    version: async () => version,
  };
}
