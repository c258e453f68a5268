/**
 * Proof of possession at the token endpoint (RFC 9449 §5): a DPoP proof, when sent, binds the
 * token to its key; a tier with `sender_constraint: dpop` gets tokens only that way. The proof's
 * jti is claimed single-use with the request's other proofs, in the mint check's round trip.
 */
import type { ReplayClaim } from '../attestation/index.js';
import { claimPredatesEpoch, sha256Hex } from '../attestation/index.js';
import { verifyDpopProof, type NonceIssuer } from '../dpop/index.js';
import { OAuthError } from '../errors.js';
import type { Tier } from '../policy/types.js';

/** How old a proof may be (by iat), and how far ahead of our clock. */
const PROOF_MAX_AGE_MS = 120_000;
const PROOF_FUTURE_SKEW_MS = 30_000;

export interface Possession {
  jkt: string;
  replay: ReplayClaim;
}

export interface PossessionDeps {
  tokenEndpoint: string;
  nowMs: number;
  nonces?: NonceIssuer | undefined;
}

/**
 * The DPoP header of a token request checked now, told when asked: the proof (undefined when
 * none was sent), or its refusal thrown then.
 */
export function readPossession(header: string | string[] | undefined, deps: PossessionDeps): () => Possession | undefined {
  try {
    const possession = checkPossession(header, deps);
    return () => possession;
  } catch (error) {
    return () => { throw error; };
  }
}

function checkPossession(header: string | string[] | undefined, deps: PossessionDeps): Possession | undefined {
  // An empty DPoP header is a malformed proof, not an absent one (RFC 9449 §4.3 item 2).
  if (header === undefined) return undefined;
  // RFC 9449 §4.3 item 1: exactly one DPoP header (Node joins repeated ones with ", ").
  if (Array.isArray(header) || header.includes(',')) throw invalidProof('send exactly one DPoP header', 'multiple_headers');
  const result = verifyDpopProof(header, {
    htm: 'POST',
    htu: deps.tokenEndpoint,
    nowMs: deps.nowMs,
    maxAgeMs: PROOF_MAX_AGE_MS,
    futureSkewMs: PROOF_FUTURE_SKEW_MS,
    ...(deps.nonces ? { nonce: deps.nonces.accepts } : {}),
  });
  if (!result.ok) {
    if (result.reason === 'nonce' && deps.nonces) {
      throw new OAuthError('use_dpop_nonce', 'the DPoP proof must carry the server nonce given in the DPoP-Nonce header', {
        reason: 'dpop', check: 'nonce', headers: { 'dpop-nonce': deps.nonces.current() },
      });
    }
    throw invalidProof('the DPoP proof was not accepted', result.reason, result.detail);
  }
  // Kept until the proof could no longer be accepted anyway.
  const ttlMs = result.iatMs + PROOF_MAX_AGE_MS - deps.nowMs + 1_000;
  return { jkt: result.jkt, replay: { key: `dpop:${result.jkt}:${sha256Hex(result.jti)}`, ttlMs: Math.max(1_000, ttlMs), issuedAtMs: result.iatMs } };
}

/** RFC 9449 §11.1: a proof's jti is used once. */
export function possessionReplayed(): OAuthError {
  return invalidProof('the DPoP proof was used before: make a new one for each request', 'replayed');
}

/** A proof made before the store lost its claims could be a replay: a fresh one passes. */
export function guardPossessionEpoch(possession: Possession | undefined, epochMs: number): void {
  if (possession && claimPredatesEpoch(possession.replay, epochMs)) {
    throw invalidProof('the DPoP proof predates a reset of the broker\'s state: make a new one', 'before_store_epoch');
  }
}

/** RFC 9449 §5: a tier whose tokens must be bound refuses a request without a proof. */
export function requirePossession(tier: Tier, possession: Possession | undefined): void {
  if (tier.senderConstraint === 'dpop' && possession === undefined) {
    throw invalidProof(`tokens of tier ${tier.name} are issued only bound to a key: send a DPoP proof (RFC 9449)`, 'required');
  }
}

/** `check` says which rule refused, in the audit trail and the log; `detail` goes to the log only. */
function invalidProof(description: string, check: string, detail?: string): OAuthError {
  return new OAuthError('invalid_dpop_proof', description, { reason: 'dpop', check, internal: detail ? `dpop ${check}: ${detail}` : `dpop ${check}` });
}
