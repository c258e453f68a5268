/**
 * Time rules re-evaluated on every use, including verified-token cache hits.
 * NumericDates are seconds (RFC 7519 §2); the clock is milliseconds.
 */
import { CLOCK_TOLERANCE_MS, MAX_ASSERTION_LIFETIME_S, type AttestationFailureReason } from './types.js';

export interface TokenTimes {
  iat: number;
  exp: number;
  nbf?: number;
}

export interface TimeRules {
  /** Issuer tokens: refuse when older than this by iat, or living longer (RFC 8725 §3.10 spirit). */
  maxAgeMs?: number;
  /** Agent assertions: exp at most this many seconds after iat, with no tolerance. */
  maxLifetimeS?: number;
}

export type TimeVerdict = { ok: true } | { ok: false; reason: AttestationFailureReason; detail: string };

/** Reads exp/iat/nbf as finite numbers; null when a required one is missing or not a number. */
export function readTimes(payload: Record<string, unknown>): TokenTimes | null {
  const { iat, exp, nbf } = payload;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return null;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return null;
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) return null;
  return nbf === undefined ? { iat, exp } : { iat, exp, nbf };
}

export function checkTimes(times: TokenTimes, nowMs: number, rules: TimeRules): TimeVerdict {
  const iatMs = times.iat * 1000;
  const expMs = times.exp * 1000;
  // RFC 7519 §4.1.4: expired at or after exp, with the tolerance.
  if (expMs <= nowMs - CLOCK_TOLERANCE_MS) return { ok: false, reason: 'expired', detail: 'exp has passed' };
  if (times.nbf !== undefined && times.nbf * 1000 > nowMs + CLOCK_TOLERANCE_MS) {
    return { ok: false, reason: 'not_yet_valid', detail: 'nbf is in the future' };
  }
  if (iatMs > nowMs + CLOCK_TOLERANCE_MS) return { ok: false, reason: 'not_yet_valid', detail: 'iat is in the future' };
  if (expMs <= iatMs) return { ok: false, reason: 'bad_claims', detail: 'exp is not after iat' };
  if (rules.maxAgeMs !== undefined) {
    // The tolerance applies to max_age too: a Kubernetes token living 3607 s passes 1h.
    const limit = rules.maxAgeMs + CLOCK_TOLERANCE_MS;
    if (nowMs - iatMs > limit) return { ok: false, reason: 'too_old', detail: 'older than max_age (by iat)' };
    if (expMs - iatMs > limit) return { ok: false, reason: 'too_old', detail: 'lifetime (exp - iat) exceeds max_age' };
  }
  if (rules.maxLifetimeS !== undefined && times.exp - times.iat > rules.maxLifetimeS) {
    return { ok: false, reason: 'bad_claims', detail: `exp more than ${rules.maxLifetimeS} s after iat` };
  }
  return { ok: true };
}

export const ASSERTION_TIME_RULES: TimeRules = Object.freeze({ maxLifetimeS: MAX_ASSERTION_LIFETIME_S });
