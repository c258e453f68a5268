/**
 * auditCredentials: per agent, each way it authenticates (a platform issuer and subject, or
 * its own keys) and what is wrong with it. Pure. Offline (`policy check`, the CLI with a
 * policy file) only the static rules apply; the admin API adds the store's usage and the
 * issuer key health.
 */
import { keyId, type Agent, type CompiledPolicy } from '../policy/index.js';
import { historyNote, issuerFindings, keyFindings, sharedKeyFindings, staticKeyOnlyFinding, tierOf, unusedFinding } from './findings.js';
import type { AgentCredentials, CredentialMethod, CredentialReport, CredentialUsage, Finding, JwksReachability, Severity } from './types.js';

export interface AuditOptions {
  nowMs: number;
  /** Methods unused this long are flagged (default 30). */
  unusedDays?: number;
  usage?: CredentialUsage;
  reachability?: JwksReachability;
}

export const DEFAULT_UNUSED_DAYS = 30;
const DAY_MS = 86_400_000;
const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** How a token_issued audit record names the method it used (kind, issuer, subject). */
export function methodKey(kind: string, issuer: string, subject: string): string {
  return kind === 'keys' ? 'keys' : `issuer ${issuer} ${subject}`;
}

export function auditCredentials(compiled: CompiledPolicy, options: AuditOptions): CredentialReport {
  const unusedDays = options.unusedDays ?? DEFAULT_UNUSED_DAYS;
  const holders = keyHolders(compiled.policy.agents);
  const agents = compiled.policy.agents
    .filter((a) => a.status !== 'retired') // a retired agent can no longer authenticate at all
    .map((agent) => auditAgent(agent, compiled, holders, options, unusedDays));
  const summary: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  for (const a of agents) for (const f of a.findings) summary[f.severity]++;
  const { usage, nowMs } = options;
  return {
    generated_at: new Date(nowMs).toISOString(), unused_days: unusedDays, live: usage !== undefined,
    activity_since: usage?.activitySinceMs == null ? null : new Date(usage.activitySinceMs).toISOString(),
    note: usage ? historyNote(usage, nowMs, unusedDays) : null,
    agents, summary,
  };
}

function auditAgent(agent: Agent, compiled: CompiledPolicy, holders: ReadonlyMap<string, readonly string[]>, options: AuditOptions, unusedDays: number): AgentCredentials {
  const { nowMs, usage } = options;
  const tier = tierOf(compiled, agent);
  const methods: CredentialMethod[] = [];
  const findings: Finding[] = [...staticKeyOnlyFinding(agent)];
  agent.attestation.forEach((entry, i) => {
    const key = entry.kind === 'issuer' ? methodKey('issuer', entry.issuer, entry.subject) : 'keys';
    const used = usage?.lastUsedMs.get(`${agent.id}\n${key}`);
    const lastUsed = used === undefined ? null : new Date(used).toISOString();
    if (entry.kind === 'issuer') {
      const issuer = compiled.issuersByIss.get(entry.issuer);
      methods.push({
        kind: 'issuer', issuer: entry.issuer, subject: entry.subject,
        claims: entry.claims.map((c) => `${c.key}=${JSON.stringify(c.value)}`),
        single_use: issuer?.singleUse ?? false, max_age_seconds: Math.floor((issuer?.maxAgeMs ?? 0) / 1000),
        jwks_uri: issuer?.jwksUri ?? null, last_used_at: lastUsed,
      });
      findings.push(...issuerFindings(entry, i, issuer, options.reachability));
    } else {
      const thumbprints = entry.jwks.keys.map(keyId);
      methods.push({
        kind: 'keys', thumbprints, kids: entry.jwks.keys.flatMap((k) => (typeof k.kid === 'string' ? [k.kid] : [])),
        rotated_at: entry.rotatedAt ?? null,
        key_age_days: entry.rotatedAtMs === undefined ? null : Math.floor((nowMs - entry.rotatedAtMs) / DAY_MS),
        last_used_at: lastUsed,
      });
      findings.push(...keyFindings(entry, i, tier, nowMs), ...sharedKeyFindings(thumbprints, i, holders, agent.id));
    }
    if (usage) findings.push(...unusedFinding(agent, i, key, usage, nowMs, unusedDays));
  });
  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return { agent: agent.id, owner: agent.owner, tier: agent.tier, methods, findings };
}

/** Key thumbprint -> the agents (not retired) holding it. */
function keyHolders(agents: readonly Agent[]): Map<string, string[]> {
  const holders = new Map<string, string[]>();
  for (const agent of agents) {
    if (agent.status === 'retired') continue;
    for (const entry of agent.attestation) {
      if (entry.kind !== 'keys') continue;
      for (const tp of new Set(entry.jwks.keys.map(keyId))) holders.set(tp, [...(holders.get(tp) ?? []), agent.id]);
    }
  }
  return holders;
}
