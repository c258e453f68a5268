/** Store keys that make an attestation single-use; values are hashed so no token is stored. */
import { sha256Hex } from './hash.js';
import { CLOCK_TOLERANCE_MS, type ReplayClaim } from './types.js';

/** Kept until the token could no longer be accepted anyway: exp plus the tolerance. */
function ttlUntil(expMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil(expMs + CLOCK_TOLERANCE_MS - nowMs));
}

export function issuerReplayClaim(issuer: string, jti: string | undefined, tokenHash: string, expMs: number, nowMs: number): ReplayClaim {
  const key = jti !== undefined ? `att:${sha256Hex(issuer)}:${sha256Hex(jti)}` : `atth:${tokenHash}`;
  return { key, ttlMs: ttlUntil(expMs, nowMs) };
}

export function assertionReplayClaim(agentId: string, jti: string, expMs: number, nowMs: number): ReplayClaim {
  return { key: `asr:${agentId}:${sha256Hex(jti)}`, ttlMs: ttlUntil(expMs, nowMs) };
}
