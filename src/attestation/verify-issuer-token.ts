/**
 * Attestation by a trusted issuer's JWT (Kubernetes service-account token, CI OIDC token,
 * SPIFFE JWT-SVID): pick the issuer by the unverified `iss`, verify against that issuer's
 * keys only, then find the one agent whose attestation entry the verified claims match.
 */
import { checkClaims, checkTimes, checkTyp, typRule, verifyWithKeySet, type TimeRules, type TokenTimes } from '../jws/index.js';
import type { TrustedIssuer } from '../policy/types.js';
import { sha256Hex } from './hash.js';
import { identifyAgent } from './identify-agent.js';
import { inspectToken, type InspectedToken } from './inspect-token.js';
import { keySetFor } from './key-set.js';
import { issuerReplayClaim } from './replay-key.js';
import { failure, jwsRefused, namedAgent } from './result.js';
import { filterShadowClaims } from './shadow-claims.js';
import { CLOCK_TOLERANCE_MS, type AttestationContext, type AttestationFailure, type AttestationResult, type ReplayClaim } from './types.js';

const MAX_SUBJECT = 1024;
const MAX_CACHED_VERIFICATION_MS = 5 * 60_000;

/**
 * RFC 8725 §3.11: platform tokens are plain JWTs. Kubernetes and CI issuers send `JWT` or no
 * `typ`; a SPIFFE JWT-SVID may say `JWT` or `JOSE`. Any other type is another kind of token.
 */
const ISSUER_TOKEN_TYP = typRule(['JWT', 'JOSE'], { optional: true });

function timeRules(issuer: TrustedIssuer): TimeRules {
  return { toleranceMs: CLOCK_TOLERANCE_MS, maxAgeMs: issuer.maxAgeMs };
}

/** `inspected` is inspectToken's result for this same token when the caller already has it. */
export async function verifyIssuerToken(token: string, ctx: AttestationContext, inspected: InspectedToken | AttestationFailure = inspectToken(token, ctx.stsIssuer)): Promise<AttestationResult> {
  if (!inspected.ok) return inspected;
  const typ = checkTyp(inspected.header, ISSUER_TOKEN_TYP);
  if (typ) return jwsRefused(typ);
  const iss = inspected.payload.iss;
  if (typeof iss !== 'string') return failure('unknown_issuer', 'iss missing or not a string');
  // Exact string compare (a Map lookup): no trailing-slash or case normalisation.
  const issuer = ctx.policy.issuersByIss.get(iss);
  if (!issuer) return failure('unknown_issuer', 'iss is not a trusted issuer');

  const tokenHash = sha256Hex(token);
  const nowMs = ctx.now();
  if (!issuer.singleUse && ctx.cache) {
    const hit = fromCache(ctx, issuer, tokenHash, nowMs);
    if (hit) return hit;
  }

  const keys = keySetFor(ctx, issuer);
  if ('ok' in keys) return jwsRefused(keys, { issuer: issuer.issuer });
  // RFC 8725 §3.1: the issuer's allow-list; none and HS* never verify whatever the policy says.
  const refused = await verifyWithKeySet(inspected, keys, issuer.algorithms);
  if (refused) {
    // A stale or forged credential presented in a known agent's name is flagged for that
    // agent. With a bad signature the name is only claimed (agentVerified false), which may
    // raise an alert but never a decision about the agent (see anomaly/rules.ts).
    return jwsRefused(refused, { issuer: issuer.issuer, ...namedAgent(ctx.policy, inspected.payload, false) });
  }
  const { payload } = inspected;
  const claims = checkClaims(payload, {
    issuer: issuer.issuer,
    // RFC 8725 §3.9: aud must name us; with exclusive_audience, nobody else.
    audience: { match: issuer.exclusiveAudience ? 'exclusive' : 'contains', value: issuer.audience },
    required: ['sub'],
    times: timeRules(issuer),
    nowMs,
  });
  if (!claims.ok) return jwsRefused(claims, { issuer: issuer.issuer, ...namedAgent(ctx.policy, payload, true) });
  return decide(ctx, issuer, token, payload, claims.times, tokenHash, nowMs);
}

function decide(ctx: AttestationContext, issuer: TrustedIssuer, token: string, payload: Record<string, unknown>, times: TokenTimes, tokenHash: string, nowMs: number): AttestationResult {
  const base = { issuer: issuer.issuer };
  const { sub, jti } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT) return failure('bad_claims', 'sub is not a bounded string', base);
  if (jti !== undefined && typeof jti !== 'string') return failure('bad_claims', 'jti is not a string', base);

  const found = identifyAgent(ctx.policy, issuer.issuer, sub, payload);
  if (!found.ok) {
    if (found.reason === 'ambiguous') return failure('ambiguous', `several agents match: ${found.agentIds.join(', ')}`, base);
    const shadow = { issuer: issuer.issuer, subject: sub, claims: filterShadowClaims(payload) };
    return failure('no_agent', 'no agent claims this verified identity', { issuer: issuer.issuer, shadow });
  }

  const expMs = times.exp * 1000;
  if (issuer.singleUse) {
    const replay = issuerReplayClaim(issuer.issuer, jti, token, { iatMs: times.iat * 1000, expMs }, nowMs);
    return success(ctx, found.agent.id, issuer.issuer, sub, jti, times, tokenHash, replay);
  }
  ctx.cache?.set(tokenHash, {
    policyVersion: ctx.policy.version, agentId: found.agent.id, issuer: issuer.issuer, subject: sub,
    ...(jti !== undefined ? { jti } : {}), times,
    // Capped: an issuer that withdraws a key from its JWKS stops being honoured within minutes.
    expiresAtMs: Math.min(expMs + CLOCK_TOLERANCE_MS, nowMs + MAX_CACHED_VERIFICATION_MS),
  });
  return success(ctx, found.agent.id, issuer.issuer, sub, jti, times, tokenHash);
}

function fromCache(ctx: AttestationContext, issuer: TrustedIssuer, tokenHash: string, nowMs: number): AttestationResult | undefined {
  const entry = ctx.cache?.get(tokenHash, nowMs);
  // A different policy version may bind other claims or agents: verify afresh.
  if (!entry || entry.policyVersion !== ctx.policy.version || entry.issuer !== issuer.issuer) return undefined;
  if (!ctx.policy.agentsById.has(entry.agentId)) return undefined;
  // The signature is known good; the clock is not: re-check the times on every hit.
  const refused = checkTimes(entry.times, nowMs, timeRules(issuer));
  if (refused) {
    ctx.cache?.delete(tokenHash);
    return jwsRefused(refused, { issuer: issuer.issuer, agentId: entry.agentId, agentVerified: true });
  }
  return success(ctx, entry.agentId, entry.issuer, entry.subject, entry.jti, entry.times, tokenHash);
}

function success(
  ctx: AttestationContext, agentId: string, issuer: string, subject: string, jti: string | undefined,
  times: TokenTimes, tokenHash: string, replay?: ReplayClaim,
): AttestationResult {
  const agent = ctx.policy.agentsById.get(agentId);
  if (!agent) return failure('no_agent', 'agent vanished from the policy', { issuer });
  return {
    ok: true, agent, kind: 'issuer', issuer, subject, ...(jti !== undefined ? { jti } : {}),
    issuedAtMs: times.iat * 1000, expiresAtMs: times.exp * 1000, ...(replay ? { replay } : {}), tokenHash,
  };
}
