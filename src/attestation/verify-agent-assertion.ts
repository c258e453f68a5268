/**
 * An assertion the agent signs with its own key (RFC 7523), used as a token-exchange
 * subject_token and as a client_credentials client_assertion (RFC 7523 §2.2). The agent is
 * selected by the unverified `iss` and verified against that agent's public keys only.
 */
import { checkClaims, checkTyp, jwsFailure, typRule, verifyWithKeySet, type JwsFailure, type TimeRules } from '../jws/index.js';
import type { Agent, KeyAttestation } from '../policy/types.js';
import { sha256Hex } from './hash.js';
import { inspectToken, type InspectedToken } from './inspect-token.js';
import { keySetFor } from './key-set.js';
import { assertionReplayClaim } from './replay-key.js';
import { failure, jwsRefused } from './result.js';
import {
  ASYMMETRIC_ALGORITHMS, CLOCK_TOLERANCE_MS, MAX_ASSERTION_LIFETIME_S, type AttestationContext, type AttestationFailure, type AttestationResult,
} from './types.js';

const MAX_JTI = 256;

/**
 * RFC 8725 §3.11: an assertion is a plain JWT or says what it is (draft-ietf-oauth-rfc7523bis
 * `client-authentication+jwt`); a DPoP proof, an access token or an ID token is not one.
 */
const ASSERTION_TYP = typRule(['JWT', 'client-authentication+jwt'], { optional: true });
const ASSERTION_TIMES: TimeRules = Object.freeze({ toleranceMs: CLOCK_TOLERANCE_MS, maxLifetimeS: MAX_ASSERTION_LIFETIME_S });

/** `inspected` is inspectToken's result for this same token when the caller already has it. */
export async function verifyAgentAssertion(token: string, ctx: AttestationContext, inspected: InspectedToken | AttestationFailure = inspectToken(token, ctx.stsIssuer)): Promise<AttestationResult> {
  if (!inspected.ok) return inspected;
  const typ = checkTyp(inspected.header, ASSERTION_TYP);
  if (typ) return jwsRefused(typ);
  const { iss, sub } = inspected.payload;
  if (typeof iss !== 'string' || typeof sub !== 'string') return failure('bad_claims', 'iss or sub missing');
  // RFC 7523 §3 items 1-2: the agent asserts about itself.
  if (iss !== sub) return failure('bad_claims', 'iss differs from sub');
  const agent = ctx.policy.agentsById.get(iss);
  if (!agent) return failure('unknown_issuer', 'iss names no agent');
  // Only selected by the unverified iss: marked unverified so nobody is suspended on it.
  const selected = { agentId: agent.id, agentVerified: false, issuer: agent.id };
  const refused = await verifyWithAgentKeys(inspected, agent, ctx);
  if (refused) return jwsRefused(refused, selected);

  const verifiedAgent = { ...selected, agentVerified: true };
  const nowMs = ctx.now();
  const claims = checkClaims(inspected.payload, {
    issuer: agent.id,
    subject: agent.id,
    // draft-ietf-oauth-rfc7523bis: the broker's issuer identifier as the sole audience, a JSON
    // string. The token endpoint URL or an array (audience injection: an assertion minted for
    // several servers is replayable at each of them) is refused.
    audience: { match: 'string', value: ctx.stsIssuer },
    required: ['jti'],
    times: ASSERTION_TIMES,
    nowMs,
  });
  if (!claims.ok) return jwsRefused(withAudienceHint(claims, inspected.payload.aud, ctx.tokenEndpoint), verifiedAgent);
  const { jti } = inspected.payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI) return failure('bad_claims', 'jti is not a bounded string', verifiedAgent);

  const expiresAtMs = claims.times.exp * 1000;
  return {
    ok: true, agent, kind: 'keys', issuer: agent.id, subject: agent.id, jti,
    issuedAtMs: claims.times.iat * 1000, expiresAtMs,
    // The jti of an assertion is always single-use (RFC 7523 §3 item 7).
    replay: assertionReplayClaim(agent.id, jti, { iatMs: claims.times.iat * 1000, expMs: expiresAtMs }, nowMs),
    tokenHash: sha256Hex(token),
  };
}

/** Null when one of the agent's keys entries verifies the signature, else the last refusal. */
async function verifyWithAgentKeys(inspected: InspectedToken, agent: Agent, ctx: AttestationContext): Promise<JwsFailure | null> {
  const entries = agent.attestation.filter((e): e is KeyAttestation => e.kind === 'keys');
  let refused = jwsFailure('no_keys', 'agent has no keys attestation');
  for (const entry of entries) {
    const keys = keySetFor(ctx, { jwks: entry.jwks });
    const outcome = 'ok' in keys ? keys : await verifyWithKeySet(inspected, keys, ASYMMETRIC_ALGORITHMS);
    if (outcome === null) return null;
    refused = outcome;
  }
  return refused;
}

/** Clients written to RFC 7523 §3 may still send the token endpoint URL: the log says so. */
function withAudienceHint(refused: JwsFailure, aud: unknown, tokenEndpoint: string | undefined): JwsFailure {
  if (refused.claim !== 'aud' || tokenEndpoint === undefined) return refused;
  const named = aud === tokenEndpoint || (Array.isArray(aud) && aud.includes(tokenEndpoint));
  return named ? { ...refused, detail: `${refused.detail} (the token endpoint URL is not accepted: use the issuer identifier)` } : refused;
}
