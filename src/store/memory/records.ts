/** The memory store's bounded logs: shadow agents, the audit trail and agent activity. */
import type {
  ActivityEvent, AgentActivity, AuditQuery, AuditRecord, ShadowAgent, ShadowSighting,
} from '../types.js';
import {
  ACTIVITY_TTL_MS, MAX_DENIAL_REASON, MAX_PEOPLE_PER_HOUR, RECENT_DENIALS, hourBucket, windowBuckets,
} from '../activity-window.js';
import { MAX_AUDIT, MAX_AUDIT_READ, MAX_SHADOWS, shadowKey } from '../shadow-key.js';

/** Drops the entry with the smallest `rank` when the map is over `max`. */
function dropLowest<V>(map: Map<string, V>, max: number, rank: (v: V) => number): void {
  while (map.size > max) {
    let lowest: string | undefined;
    let best = Infinity;
    for (const [k, v] of map) if (lowest === undefined || rank(v) < best) { lowest = k; best = rank(v); }
    if (lowest === undefined) return;
    map.delete(lowest);
  }
}

export class ShadowLog {
  readonly #map = new Map<string, ShadowAgent>();

  record(s: ShadowSighting): void {
    const key = shadowKey(s.issuer, s.subject);
    const old = this.#map.get(key);
    this.#map.delete(key);
    this.#map.set(key, {
      issuer: s.issuer,
      subject: s.subject,
      firstSeenMs: old ? Math.min(old.firstSeenMs, s.atMs) : s.atMs,
      lastSeenMs: old ? Math.max(old.lastSeenMs, s.atMs) : s.atMs,
      attempts: (old?.attempts ?? 0) + 1,
      claims: s.claims,
    });
    dropLowest(this.#map, MAX_SHADOWS, (v) => v.lastSeenMs);
  }

  list(): ShadowAgent[] {
    return [...this.#map.values()].sort((a, b) => b.lastSeenMs - a.lastSeenMs).map((v) => ({ ...v }));
  }
}

export class AuditLog {
  readonly #records: AuditRecord[] = [];
  #seq = 0;

  append(record: Omit<AuditRecord, 'id'>): void {
    this.#seq += 1;
    this.#records.push({ ...record, id: String(this.#seq).padStart(12, '0') });
    if (this.#records.length > MAX_AUDIT) this.#records.splice(0, this.#records.length - MAX_AUDIT);
  }

  /** Newest first. */
  read(q: AuditQuery): AuditRecord[] {
    const limit = Math.max(0, Math.min(q.limit, MAX_AUDIT_READ));
    const out: AuditRecord[] = [];
    for (let i = this.#records.length - 1; i >= 0 && out.length < limit; i--) {
      const r = this.#records[i]!;
      if (q.agent !== undefined && r.agent !== q.agent) continue;
      if (q.sinceMs !== undefined && r.atMs < q.sinceMs) continue;
      out.push(r);
    }
    return out;
  }
}

interface Activity {
  lastSeenMs: number;
  buckets: Map<number, { issued: number; denied: number; people?: Set<string> }>;
  denials: Array<{ atMs: number; reason: string }>;
}

export class ActivityLog {
  readonly #map = new Map<string, Activity>();
  constructor(private readonly max: number) {}

  record(e: ActivityEvent): void {
    const a: Activity = this.#map.get(e.agentId) ?? { lastSeenMs: e.atMs, buckets: new Map(), denials: [] };
    a.lastSeenMs = Math.max(a.lastSeenMs, e.atMs);
    const b = hourBucket(e.atMs);
    const counts = a.buckets.get(b) ?? { issued: 0, denied: 0 };
    counts[e.outcome] += 1;
    if (e.person !== undefined) {
      counts.people ??= new Set();
      if (counts.people.size < MAX_PEOPLE_PER_HOUR) counts.people.add(e.person);
    }
    a.buckets.set(b, counts);
    const oldest = hourBucket(e.atMs - ACTIVITY_TTL_MS);
    for (const k of a.buckets.keys()) if (k < oldest) a.buckets.delete(k);
    if (e.outcome === 'denied') {
      a.denials.unshift({ atMs: e.atMs, reason: (e.reason ?? 'unknown').slice(0, MAX_DENIAL_REASON) });
      a.denials.length = Math.min(a.denials.length, RECENT_DENIALS);
    }
    this.#map.set(e.agentId, a);
    dropLowest(this.#map, this.max, (v) => v.lastSeenMs);
  }

  get(agentId: string, nowMs: number): AgentActivity {
    const a = this.#map.get(agentId);
    if (!a) return { lastSeenMs: null, issued24h: 0, denied24h: 0, people24h: 0, recentDenials: [] };
    let issued = 0;
    let denied = 0;
    const people = new Set<string>();
    for (const b of windowBuckets(nowMs)) {
      const c = a.buckets.get(b);
      if (c) { issued += c.issued; denied += c.denied; for (const p of c.people ?? []) people.add(p); }
    }
    return { lastSeenMs: a.lastSeenMs, issued24h: issued, denied24h: denied, people24h: people.size, recentDenials: a.denials.map((d) => ({ ...d })) };
  }
}
