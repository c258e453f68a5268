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

export function issuerReplayClaim(issuer: string, jti: string | undefined, token: string, expMs: number, nowMs: number): ReplayClaim {
  const key = jti !== undefined ? `att:${sha256Hex(issuer)}:${sha256Hex(jti)}` : `atth:${signedPartHash(token)}`;
  return { key, ttlMs: ttlUntil(expMs, nowMs) };
}

export function assertionReplayClaim(agentId: string, jti: string, expMs: number, nowMs: number): ReplayClaim {
  return { key: `asr:${agentId}:${sha256Hex(jti)}`, ttlMs: ttlUntil(expMs, nowMs) };
}
