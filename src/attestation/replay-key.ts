/** Store keys that make an attestation single-use; values are hashed so no token is stored. */
import { sha256Hex } from './hash.js';
import { CLOCK_TOLERANCE_MS, type ReplayClaim } from './types.js';

/** Kept until the token could no longer be accepted anyway: exp plus the tolerance. */
function ttlUntil(expMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil(expMs + CLOCK_TOLERANCE_MS - nowMs));
}

/**
 * Without a jti the token is its own identity, but only its signed part: the signature
 * segment is malleable (an ECDSA signature (r, s) is equally valid as (r, n - s), and
 * base64url's spare bits can differ), so a hash of the whole string would let one
 * single-use token be presented several times, each spelled differently.
 */
function signedPartHash(token: string): string {
  return sha256Hex(token.slice(0, token.lastIndexOf('.')));
}

/** When a single-use proof was made and until when it could be accepted. */
export interface ProofTimes {
  iatMs: number;
  expMs: number;
}

export function issuerReplayClaim(issuer: string, jti: string | undefined, token: string, times: ProofTimes, nowMs: number): ReplayClaim {
  const key = jti !== undefined ? `att:${sha256Hex(issuer)}:${sha256Hex(jti)}` : `atth:${signedPartHash(token)}`;
  return { key, ttlMs: ttlUntil(times.expMs, nowMs), issuedAtMs: times.iatMs };
}

export function assertionReplayClaim(agentId: string, jti: string, times: ProofTimes, nowMs: number): ReplayClaim {
  return { key: `asr:${agentId}:${sha256Hex(jti)}`, ttlMs: ttlUntil(times.expMs, nowMs), issuedAtMs: times.iatMs };
}

/**
 * A store that lost its data (a new epoch) also lost the claims made before it: a proof made
 * before the epoch's second may have been claimed already. `iat` has whole seconds, the epoch
 * milliseconds: a proof of the epoch's own second passes.
 */
export function claimPredatesEpoch(claim: ReplayClaim, epochMs: number): boolean {
  return (Math.floor(claim.issuedAtMs / 1000) + 1) * 1000 <= epochMs;
}
