/** The credential audit's rules, one function each, every finding with a severity and a one-sentence fix. Pure. */
import { formatDuration } from '../duration.js';
import { type Agent, type CompiledPolicy, type IssuerAttestation, type KeyAttestation, type Tier, type TrustedIssuer } from '../policy/index.js';
import type { CredentialUsage, Finding, JwksReachability } from './types.js';

/** Reusable attestations valid longer than this are a long-lived credential in disguise. */
export const LONG_MAX_AGE_MS = 3_600_000;
const DAY_MS = 86_400_000;

export function keyFindings(entry: KeyAttestation, method: number, tier: Tier | undefined, nowMs: number): Finding[] {
  if (entry.rotatedAtMs === undefined) {
    return [{ severity: 'medium', code: 'key_rotation_undeclared', method, message: 'own key pair with no declared rotation date (keys.rotated_at)',
      fix: 'Declare keys.rotated_at each time the key pair is rotated so its age can be checked.' }];
  }
  const ageMs = nowMs - entry.rotatedAtMs;
  if (tier?.keyMaxAgeMs !== undefined && ageMs > tier.keyMaxAgeMs) {
    return [{ severity: 'high', code: 'key_too_old', method,
      message: `own key pair rotated ${Math.floor(ageMs / DAY_MS)} days ago, older than the ${tier.name} tier's key_max_age of ${formatDuration(tier.keyMaxAgeMs)}`,
      fix: 'Rotate the key pair, publish the new public key in the policy and update keys.rotated_at.' }];
  }
  return [];
}

export function sharedKeyFindings(thumbprints: readonly string[], method: number, owners: ReadonlyMap<string, readonly string[]>, agentId: string): Finding[] {
  const others = [...new Set(thumbprints.flatMap((tp) => owners.get(tp) ?? []))].filter((id) => id !== agentId).sort();
  if (others.length === 0) return [];
  return [{ severity: 'high', code: 'key_shared', method, message: `a key of this agent is also a key of ${others.join(', ')}`,
    fix: 'Give each agent its own key pair: a shared key lets one agent authenticate as the other.' }];
}

export function issuerFindings(entry: IssuerAttestation, method: number, issuer: TrustedIssuer | undefined, reachability: JwksReachability | undefined): Finding[] {
  if (!issuer) return [];
  const findings: Finding[] = [];
  if (!issuer.singleUse && issuer.maxAgeMs > LONG_MAX_AGE_MS) {
    findings.push({ severity: 'medium', code: 'reusable_long_max_age', method,
      message: `issuer ${entry.issuer} accepts reusable attestations up to ${formatDuration(issuer.maxAgeMs)} old`,
      fix: 'Lower the issuer\'s max_age to 1h or less, or set single_use: true, so a leaked attestation is useful for minutes only.' });
  }
  if (issuer.jwksUri?.startsWith('http:')) {
    findings.push({ severity: 'low', code: 'jwks_uri_http', method, message: `issuer ${entry.issuer} publishes its keys over plain http (${issuer.jwksUri})`,
      fix: 'Serve the issuer\'s keys over https outside development: keys fetched over http can be replaced in transit.' });
  }
  const seen = issuer.jwksUri ? reachability?.get(issuer.jwksUri) : undefined;
  if (seen && !seen.ok) {
    findings.push({ severity: 'high', code: 'jwks_uri_unreachable', method, message: `the keys of issuer ${entry.issuer} cannot be fetched from ${issuer.jwksUri}: ${seen.cause ?? 'failed'}`,
      fix: 'Check the jwks_uri from the broker\'s network (DNS, firewall, TLS; STS_ISSUER_CA_FILE for a private CA): until then its agents get no tokens.' });
  }
  return findings;
}

/**
 * Unused: the agent was last seen over N days ago, or never within an activity history that
 * reaches back N days, or the audit records reach back N days without a use of the method.
 * A store that is new, or lost its data, has seen no one yet: that is no evidence of disuse.
 */
export function unusedFinding(agent: Agent, method: number, methodKey: string, usage: CredentialUsage, nowMs: number, days: number): Finding[] {
  const sinceMs = nowMs - days * DAY_MS;
  const lastSeen = usage.lastSeenMs.get(agent.id) ?? null;
  const agentIdle = lastSeen === null ? reachesBack(usage.activitySinceMs, sinceMs) : lastSeen < sinceMs;
  const used = usage.lastUsedMs.get(`${agent.id}\n${methodKey}`);
  const methodIdle = used === undefined || used < sinceMs;
  if (!agentIdle && !(methodIdle && reachesBack(usage.coveredSinceMs, sinceMs))) return [];
  return [{ severity: 'low', code: 'method_unused', method,
    message: agentIdle ? `the agent has not asked for a token in ${days} days` : `no token was issued through this method in ${days} days`,
    fix: 'Remove the attestation entry (or retire the agent) if it no longer authenticates this way: unused credentials are still valid ones.' }];
}

/** Said when the activity history is too short for "never seen" to mean unused, so no finding is missed silently. */
export function historyNote(usage: CredentialUsage, nowMs: number, days: number): string | null {
  const startMs = usage.activitySinceMs;
  if (reachesBack(startMs, nowMs - days * DAY_MS)) return null;
  const since = startMs === null ? 'for an unknown time' : `only since ${new Date(startMs).toISOString()}`;
  return `The store has known the agents' activity ${since}, less than ${days} days: an agent never seen is not reported unused.`;
}

function reachesBack(startMs: number | null, sinceMs: number): boolean {
  return startMs !== null && startMs <= sinceMs;
}

export function staticKeyOnlyFinding(agent: Agent): Finding[] {
  if (agent.attestation.length === 0 || agent.attestation.some((e) => e.kind === 'issuer')) return [];
  return [{ severity: 'medium', code: 'static_key_only', message: 'the agent\'s only way to authenticate is a static key pair',
    fix: 'Attest the agent through its platform (Kubernetes, CI OIDC, SPIFFE) so no long-lived private key has to be kept.' }];
}

export function tierOf(compiled: CompiledPolicy, agent: Agent): Tier | undefined {
  return Object.hasOwn(compiled.policy.tiers, agent.tier) ? compiled.policy.tiers[agent.tier] : undefined;
}
