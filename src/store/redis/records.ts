/** Shadow agents, the audit stream and agent activity in Redis (all bounded). */
import type { Cluster, Redis } from 'ioredis';
import type { AgentActivity, AuditRecord, Store } from '../types.js';
import {
  ACTIVITY_TTL_MS, LAST_SEEN_TTL_MS, MAX_DENIAL_REASON, RECENT_DENIALS, hourBucket, windowBuckets,
} from '../activity-window.js';
import { MAX_AUDIT, MAX_AUDIT_READ, MAX_SHADOWS, shadowKey } from '../shadow-key.js';
import type { BoundedCall as Call } from './bounded-call.js';
import type { RedisKeys } from './keys.js';
import { asArray, num, parseAuditEntry, str } from './replies.js';
import type { ScriptName } from './scripts.js';

type Scripted = { [K in ScriptName]: (...args: Array<string | number>) => Promise<unknown> };
type Records = Pick<Store, 'recordShadow' | 'listShadows' | 'appendAudit' | 'readAudit' | 'recordActivity' | 'getActivity'>;

const AUDIT_BATCH = 500;

export function createRecords({ client, keys: k, call }: { client: Redis | Cluster; keys: RedisKeys; call: Call }): Records {
  const run = client as unknown as Scripted;
  return {
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
      const json = JSON.stringify({ atMs: record.atMs, event: record.event, agent: record.agent, data: record.data });
      await call('appendAudit', () => client.xadd(k.audit, 'MAXLEN', '~', MAX_AUDIT, '*', 'r', json));
    },
    /** Newest first; scans at most the stream's cap, in batches. */
    async readAudit(q) {
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
      const denial = e.outcome === 'denied'
        ? JSON.stringify({ atMs: e.atMs, reason: (e.reason ?? 'unknown').slice(0, MAX_DENIAL_REASON) }) : '';
      await call('recordActivity', () => run.stsActivity(k.activityLast(e.agentId),
        k.activityHour(e.agentId, e.outcome, hourBucket(e.atMs)), k.activityDenials(e.agentId),
        e.atMs, ACTIVITY_TTL_MS, denial, RECENT_DENIALS, LAST_SEEN_TTL_MS));
    },
    async getActivity(agentId, nowMs): Promise<AgentActivity> {
      const buckets = windowBuckets(nowMs);
      return call('getActivity', async () => {
        const [last, issued, denied, denials] = await Promise.all([
          client.get(k.activityLast(agentId)),
          client.mget(buckets.map((b) => k.activityHour(agentId, 'issued', b))),
          client.mget(buckets.map((b) => k.activityHour(agentId, 'denied', b))),
          client.lrange(k.activityDenials(agentId), 0, RECENT_DENIALS - 1),
        ]);
        const sum = (xs: unknown[]) => xs.reduce<number>((a, x) => a + (num(x) ?? 0), 0);
        return {
          lastSeenMs: num(last),
          issued24h: sum(issued),
          denied24h: sum(denied),
          recentDenials: denials.map((d) => JSON.parse(d) as { atMs: number; reason: string }),
        };
      });
    },
  };
}
