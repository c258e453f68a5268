/**
 * What the store saw of each agent's authentication, for the "unused for N days" rule: the
 * agent's last request (activity, kept 90 days) and, per method, the last token issued
 * through it in the store's recent audit stream. The stream is capped and trimmed oldest
 * first, so it proves a method unused only when the records read reach back N days; likewise
 * "never seen" proves an agent unused only when the store's activity reaches back N days.
 */
import type { CompiledPolicy } from '../policy/index.js';
import { LAST_SEEN_TTL_MS, type AuditRecord, type Store } from '../store/index.js';
import { methodKey } from './audit.js';
import type { CredentialUsage } from './types.js';

/** The most the store hands back in one read (src/store's MAX_AUDIT_READ). */
const AUDIT_READ_LIMIT = 1000;

export async function collectCredentialUsage(compiled: CompiledPolicy, store: Store, nowMs: number): Promise<CredentialUsage> {
  const agents = compiled.policy.agents.filter((a) => a.status !== 'retired');
  const [activities, records, epochMs] = await Promise.all([
    Promise.all(agents.map((a) => store.getActivity(a.id, nowMs))),
    store.readAudit({ limit: AUDIT_READ_LIMIT }),
    store.epoch(),
  ]);
  const lastSeen = new Map(agents.map((a, i) => [a.id, activities[i]?.lastSeenMs ?? null]));
  return usageFromRecords(records, lastSeen, activitySince(epochMs, nowMs));
}

/** A store knows no request from before its epoch, and forgets a last seen after its retention. */
function activitySince(epochMs: number, nowMs: number): number {
  return Math.max(epochMs, nowMs - LAST_SEEN_TTL_MS);
}

/**
 * Pure: the last use of each (agent, method) among audit records, which reach back to the
 * oldest of them. Without `activitySinceMs` (see CredentialUsage), no agent is unused for
 * never having been seen.
 */
export function usageFromRecords(records: readonly AuditRecord[], lastSeenMs: ReadonlyMap<string, number | null>, activitySinceMs: number | null = null): CredentialUsage {
  const lastUsedMs = new Map<string, number>();
  for (const r of records) {
    if (r.event !== 'token_issued' || typeof r.agent !== 'string') continue;
    const { attestation_kind: kind, attestation_issuer: issuer, attestation_subject: subject } = r.data;
    if (typeof kind !== 'string' || typeof issuer !== 'string' || typeof subject !== 'string') continue;
    const key = `${r.agent}\n${methodKey(kind, issuer, subject)}`;
    if ((lastUsedMs.get(key) ?? -1) < r.atMs) lastUsedMs.set(key, r.atMs);
  }
  const oldest = records.reduce<number | null>((min, r) => (min === null || r.atMs < min ? r.atMs : min), null);
  return { lastSeenMs, lastUsedMs, coveredSinceMs: oldest, activitySinceMs };
}
