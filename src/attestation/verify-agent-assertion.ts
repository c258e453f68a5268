/**
 * An assertion the agent signs with its own key (RFC 7523), used as a token-exchange
 * subject_token and as a client_credentials client_assertion (RFC 7523 §2.2). The agent is
 * selected by the unverified `iss` and verified against that agent's public keys only.
 */
import type { KeyAttestation } from '../policy/types.js';
import { sha256Hex } from './hash.js';
import { inspectToken, type InspectedToken } from './inspect-token.js';
import { mapVerifyError } from './jose-errors.js';
import { assertionReplayClaim } from './replay-key.js';
import { errorPayload, failure } from './result.js';
import { ASSERTION_TIME_RULES, checkTimes, readTimes } from './time-checks.js';
import { ASYMMETRIC_ALGORITHMS, CLOCK_TOLERANCE_S, type AttestationContext, type AttestationFailure, type AttestationResult } from './types.js';
import { isSignatureError, verifyJwt } from './verify-jwt.js';

const MAX_JTI = 256;

/** `inspected` is inspectToken's result for this same token when the caller already has it. */
export async function verifyAgentAssertion(token: string, ctx: AttestationContext, inspected: InspectedToken | AttestationFailure = inspectToken(token, ctx.stsIssuer)): Promise<AttestationResult> {
  if (!inspected.ok) return inspected;
  const { iss, sub } = inspected.payload;
  if (typeof iss !== 'string' || typeof sub !== 'string') return failure('bad_claims', 'iss or sub missing');
  // RFC 7523 §3 items 1-2: the agent asserts about itself.
  if (iss !== sub) return failure('bad_claims', 'iss differs from sub');
  const agent = ctx.policy.agentsById.get(iss);
  if (!agent) return failure('unknown_issuer', 'iss names no agent');
  const entries = agent.attestation.filter((e): e is KeyAttestation => e.kind === 'keys');
  // Only selected by the unverified iss: marked unverified so nobody is suspended on it.
  const selected = { agentId: agent.id, agentVerified: false, issuer: agent.id };
  if (entries.length === 0) return failure('no_keys', 'agent has no keys attestation', selected);

  const nowMs = ctx.now();
  const options = {
    algorithms: [...ASYMMETRIC_ALGORITHMS],
    issuer: agent.id,
    subject: agent.id,
    // RFC 7523 §3 item 3: aud names the broker, by its issuer or its token endpoint.
    audience: [ctx.stsIssuer, ctx.tokenEndpoint],
    nowMs,
    clockToleranceS: CLOCK_TOLERANCE_S,
    requiredClaims: ['exp', 'iat', 'jti'],
  };
  let payload: Record<string, unknown> | undefined;
  let lastError: unknown;
  for (const entry of entries) {
    try {
      const keys = ctx.keys.forIssuer({ jwks: entry.jwks });
      if (!keys) continue;
      payload = await verifyJwt(token, inspected, keys, options);
      break;
    } catch (error) {
      lastError = error;
      if (!isSignatureError(error)) break; // a claims error: this key verified it
    }
  }
  if (!payload) {
    const mapped = mapVerifyError(lastError);
    const verified = mapped.signatureVerified && errorPayload(lastError) !== undefined;
    return failure(mapped.reason, mapped.detail, { ...selected, agentVerified: verified });
  }

  const verifiedAgent = { agentId: agent.id, agentVerified: true, issuer: agent.id };
  // jose accepted aud because one value names us; every value must (draft-ietf-oauth-rfc7523bis
  // audience injection: an assertion minted for several servers is replayable at each of them).
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.every((aud) => aud === ctx.stsIssuer || aud === ctx.tokenEndpoint)) {
    return failure('bad_claims', 'aud names another audience besides this broker', verifiedAgent);
  }
  const { jti } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI) return failure('bad_claims', 'jti is not a bounded string', verifiedAgent);
  const times = readTimes(payload);
  if (!times) return failure('bad_claims', 'exp, iat or nbf is not a number', verifiedAgent);
  const verdict = checkTimes(times, nowMs, ASSERTION_TIME_RULES);
  if (!verdict.ok) return failure(verdict.reason, verdict.detail, verifiedAgent);

  const expiresAtMs = times.exp * 1000;
  return {
    ok: true, agent, kind: 'keys', issuer: agent.id, subject: agent.id, jti,
    issuedAtMs: times.iat * 1000, expiresAtMs,
    // The jti of an assertion is always single-use (RFC 7523 §3 item 7).
    replay: assertionReplayClaim(agent.id, jti, expiresAtMs, nowMs),
    tokenHash: sha256Hex(token),
  };
}
