/**
 * Time rules of a JWT, re-evaluated on every use (including verified-token cache hits).
 * NumericDates are seconds (RFC 7519 §2); the clock is milliseconds.
 */
import { jwsFailure, type JsonObject, type JwsFailure } from './types.js';

export interface TokenTimes {
  iat: number;
  exp: number;
  nbf?: number;
}

export interface TimeRules {
  /** Clock skew accepted on an `exp` in the past and an `nbf` or `iat` in the future. */
  toleranceMs: number;
  /** The skew on `exp` when it differs: none for tokens this broker minted by its own clock. */
  expToleranceMs?: number;
  /** Refused when older than this by `iat`, or living longer (with the tolerance). */
  maxAgeMs?: number;
  /** `exp` at most this many seconds after `iat`, without tolerance. */
  maxLifetimeS?: number;
}

/** A NumericDate claim: its value, undefined when absent, or a failure when not a number. */
function readDate(payload: JsonObject, claim: 'iat' | 'exp' | 'nbf'): number | undefined | JwsFailure {
  const value = payload[claim];
  if (value === undefined || (typeof value === 'number' && Number.isFinite(value))) return value;
  return jwsFailure('bad_claims', `"${claim}" claim must be a number`, claim);
}

/** `exp` and `iat` (required) and `nbf` (optional) as NumericDates, or a failure naming the claim. */
export function readTimes(payload: JsonObject): TokenTimes | JwsFailure {
  const exp = readDate(payload, 'exp');
  const iat = readDate(payload, 'iat');
  const nbf = readDate(payload, 'nbf');
  if (exp === undefined) return jwsFailure('bad_claims', 'missing required "exp" claim', 'exp');
  if (iat === undefined) return jwsFailure('bad_claims', 'missing required "iat" claim', 'iat');
  if (typeof exp === 'object') return exp;
  if (typeof iat === 'object') return iat;
  if (typeof nbf === 'object') return nbf;
  return nbf === undefined ? { iat, exp } : { iat, exp, nbf };
}

export function checkTimes(times: TokenTimes, nowMs: number, rules: TimeRules): JwsFailure | null {
  const iatMs = times.iat * 1000;
  const expMs = times.exp * 1000;
  const tolerance = rules.toleranceMs;
  // RFC 7519 §4.1.4: not accepted on or after exp (with the allowed skew).
  if (expMs <= nowMs - (rules.expToleranceMs ?? tolerance)) return jwsFailure('expired', 'exp has passed', 'exp');
  // RFC 7519 §4.1.5: not accepted before nbf.
  if (times.nbf !== undefined && times.nbf * 1000 > nowMs + tolerance) return jwsFailure('not_yet_valid', 'nbf is in the future', 'nbf');
  if (iatMs > nowMs + tolerance) return jwsFailure('issued_in_future', 'iat is in the future', 'iat');
  if (expMs <= iatMs) return jwsFailure('bad_claims', 'exp is not after iat', 'exp');
  if (rules.maxAgeMs !== undefined) {
    // The tolerance applies to the age too: a Kubernetes token living 3607 s passes 1h.
    const limit = rules.maxAgeMs + tolerance;
    if (nowMs - iatMs > limit) return jwsFailure('too_old', 'older than max_age (by iat)', 'iat');
    if (expMs - iatMs > limit) return jwsFailure('too_old', 'lifetime (exp - iat) exceeds max_age', 'exp');
  }
  if (rules.maxLifetimeS !== undefined && times.exp - times.iat > rules.maxLifetimeS) {
    return jwsFailure('bad_claims', `exp more than ${rules.maxLifetimeS} s after iat`, 'exp');
  }
  return null;
}
