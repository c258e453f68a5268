/** Shadow agents, the audit stream and agent activity in Redis (all bounded). */
import type { Cluster, Redis } from 'ioredis';
import type { ActivityEvent, AgentActivity, AuditRecord, Store } from '../types.js';
import {
  ACTIVITY_TTL_MS, LAST_SEEN_TTL_MS, MAX_DENIAL_REASON, MAX_PEOPLE_PER_HOUR, RECENT_DENIALS, hourBucket, windowBuckets,
} from '../activity-window.js';
import { MAX_AUDIT, MAX_AUDIT_READ, MAX_SHADOWS, shadowKey } from '../shadow-key.js';
import type { BoundedCall as Call } from './bounded-call.js';
import type { RedisKeys } from './keys.js';
import { asArray, num, parseAuditEntry, str } from './replies.js';
import type { ScriptName } from './scripts.js';
import { createWriteBehind } from '../../write-behind.js';

type Scripted = { [K in ScriptName]: (...args: Array<string | number>) => Promise<unknown> };
type Records = Pick<Store, 'recordShadow' | 'listShadows' | 'appendAudit' | 'readAudit' | 'recordActivity' | 'getActivity'> & {
  /** Writes what the write-behind batches hold (before shutdown). */
  flushWrites(): Promise<void>;
};

const AUDIT_BATCH = 500;
/** Bookkeeping writes wait at most this long to be batched with others. */
const WRITE_BEHIND_MS = 50;
/** Audit records sent in one script call at most. */
const AUDIT_RECORDS_PER_CALL = 500;
/** Agents (times hours) whose activity is held at once. */
const MAX_ACTIVITY_BATCHES = 10_000;

interface ActivityBatch {
  agentId: string;
  hour: number;
  lastAtMs: number;
  issued: number;
  denied: number;
  /** Newest last, at most RECENT_DENIALS. */
  denials: string[];
  /** People acted for (opaque keys), added to the hour's HyperLogLog. */
  people: Set<string>;
}

function denialRecord(e: ActivityEvent): string {
  return JSON.stringify({ atMs: e.atMs, reason: (e.reason ?? 'unknown').slice(0, MAX_DENIAL_REASON) });
}

function addActivity(batch: ActivityBatch, e: ActivityEvent): void {
  batch.lastAtMs = Math.max(batch.lastAtMs, e.atMs);
  if (e.person !== undefined && batch.people.size < MAX_PEOPLE_PER_HOUR) batch.people.add(e.person);
  if (e.outcome === 'issued') {
    batch.issued++;
    return;
  }
  batch.denied++;
  batch.denials.push(denialRecord(e));
  if (batch.denials.length > RECENT_DENIALS) batch.denials.shift();
}

export function createRecords({ client, keys: k, call }: { client: Redis | Cluster; keys: RedisKeys; call: Call }): Records {
  const run = client as unknown as Scripted;
  const auditCopy = createWriteBehind<string, string[]>({
    intervalMs: WRITE_BEHIND_MS,
    maxKeys: 1,
    start: (json) => [json],
    merge: (batch, json) => void batch.push(json),
    full: (batch) => batch.length >= AUDIT_RECORDS_PER_CALL,
    write: async (_key, batch) => {
      await call('appendAudit', () => run.stsAuditBatch(k.audit, MAX_AUDIT, ...batch));
    },
  });
  const activity = createWriteBehind<ActivityEvent, ActivityBatch>({
    intervalMs: WRITE_BEHIND_MS,
    maxKeys: MAX_ACTIVITY_BATCHES,
    start: (e) => {
      const batch: ActivityBatch = { agentId: e.agentId, hour: hourBucket(e.atMs), lastAtMs: e.atMs, issued: 0, denied: 0, denials: [], people: new Set() };
      addActivity(batch, e);
      return batch;
    },
    merge: addActivity,
    write: async (_key, b) => {
      await call('recordActivity', () => run.stsActivity(k.activityLast(b.agentId),
        k.activityHour(b.agentId, 'issued', b.hour), k.activityHour(b.agentId, 'denied', b.hour), k.activityDenials(b.agentId),
        b.lastAtMs, ACTIVITY_TTL_MS, b.issued, b.denied, RECENT_DENIALS, LAST_SEEN_TTL_MS, ...b.denials));
      if (b.people.size > 0) {
        const key = k.activityPeople(b.agentId, b.hour);
        await call('recordActivity', () => client.multi().pfadd(key, ...b.people).pexpire(key, ACTIVITY_TTL_MS).exec());
      }
    },
  });
  return {
    flushWrites: async () => {
      await Promise.all([auditCopy.flush(), activity.flush()]);
    },
    async recordShadow(s) {
      const id = shadowKey(s.issuer, s.subject);
      const json = JSON.stringify({ issuer: s.issuer, subject: s.subject, claims: s.claims });
      await call('recordShadow', () => run.stsShadow(k.shadowData, k.shadowSeen, id, json, s.atMs, MAX_SHADOWS));
    },
    async listShadows() {
      return call('listShadows', async () => {
        const seen = asArray(await client.zrevrange(k.shadowSeen, 0, MAX_SHADOWS - 1, 'WITHSCORES'));
        const data = await client.hgetall(k.shadowData);
        const out = [];
        for (let i = 0; i < seen.length; i += 2) {
          const id = str(seen[i]) ?? '';
          const rec = data[id];
          if (rec === undefined) continue;
          const r = JSON.parse(rec) as { issuer: string; subject: string; claims: Record<string, unknown> };
          const last = num(seen[i + 1]) ?? 0;
          out.push({ issuer: r.issuer, subject: r.subject, claims: r.claims,
            firstSeenMs: Number(data[`${id}:first`] ?? last), lastSeenMs: last, attempts: Number(data[`${id}:n`] ?? 1) });
        }
        return out;
      });
    },
    async appendAudit(record) {
      return auditCopy.add('audit', JSON.stringify({ atMs: record.atMs, event: record.event, agent: record.agent, data: record.data }));
    },
    /** Newest first; scans at most the stream's cap, in batches. */
    async readAudit(q) {
      await auditCopy.flush(); // this instance's own records are read back
      const limit = Math.max(0, Math.min(q.limit, MAX_AUDIT_READ));
      const out: AuditRecord[] = [];
      let end = '+';
      let scanned = 0;
      while (out.length < limit && scanned < MAX_AUDIT * 2) {
        const batch = asArray(await call('readAudit', () => client.xrevrange(k.audit, end, '-', 'COUNT', AUDIT_BATCH)));
        if (batch.length === 0) break;
        for (const entry of batch) {
          const r = parseAuditEntry(entry);
          end = `(${r.id}`;
          if (q.agent !== undefined && r.agent !== q.agent) continue;
          if (q.sinceMs !== undefined && r.atMs < q.sinceMs) continue;
          if (out.length < limit) out.push(r);
        }
        scanned += batch.length;
      }
      return out;
    },
    async recordActivity(e) {
      return activity.add(`${e.agentId}\n${hourBucket(e.atMs)}`, e);
    },
    async getActivity(agentId, nowMs): Promise<AgentActivity> {
      await activity.flush(); // this instance's own activity is read back
      const buckets = windowBuckets(nowMs);
      return call('getActivity', async () => {
        const [last, issued, denied, denials, people] = await Promise.all([
          client.get(k.activityLast(agentId)),
          client.mget(buckets.map((b) => k.activityHour(agentId, 'issued', b))),
          client.mget(buckets.map((b) => k.activityHour(agentId, 'denied', b))),
          client.lrange(k.activityDenials(agentId), 0, RECENT_DENIALS - 1),
          client.pfcount(...buckets.map((b) => k.activityPeople(agentId, b))),
        ]);
        const sum = (xs: unknown[]) => xs.reduce<number>((a, x) => a + (num(x) ?? 0), 0);
        return {
          lastSeenMs: num(last),
          issued24h: sum(issued),
          denied24h: sum(denied),
          people24h: people,
          recentDenials: denials.map((d) => JSON.parse(d) as { atMs: number; reason: string }),
        };
      });
    },
  };
}
