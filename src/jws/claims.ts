/**
 * The registered claims of a JWT whose signature has been verified (RFC 7519 §4.1, §7.2
 * step 10): presence, issuer, subject, audience and times, each compared exactly.
 */
import { checkTimes, readTimes, type TimeRules, type TokenTimes } from './times.js';
import { jwsFailure, type JsonObject, type JwsFailure } from './types.js';

/**
 * How `aud` must name the verifier:
 * - `contains`: one of its values is `value` (RFC 7519 §4.1.3, RFC 8725 §3.9);
 * - `exclusive`: it holds `value` and nothing else (a string, or an array of only it);
 * - `string`: it is the JSON string `value`, never an array (draft-ietf-oauth-rfc7523bis:
 *   a client assertion's sole audience is the authorization server's issuer identifier).
 */
export interface AudienceRule {
  match: 'contains' | 'exclusive' | 'string';
  value: string;
}

export interface ClaimRules {
  /** RFC 7519 §4.1.1 / RFC 8725 §3.8: compared exactly, no normalisation. */
  issuer: string;
  subject?: string;
  audience?: AudienceRule;
  /** Claims that must be present besides iss, exp, iat and those the rules above compare. */
  required?: readonly string[];
  times: TimeRules;
  nowMs: number;
}

function audienceMismatch(aud: unknown, rule: AudienceRule): string | null {
  if (aud === undefined) return 'missing required "aud" claim';
  if (rule.match === 'string') {
    if (Array.isArray(aud)) return 'aud must be a single string, not an array';
    return aud === rule.value ? null : 'aud is not this broker\'s issuer identifier';
  }
  const values: unknown[] = Array.isArray(aud) ? aud : [aud];
  if (!values.includes(rule.value)) return 'aud does not name this audience';
  if (rule.match === 'exclusive' && !values.every((value) => value === rule.value)) return 'aud names other audiences besides this one';
  return null;
}

function missingClaim(payload: JsonObject, rules: ClaimRules): string | undefined {
  if (payload.iss === undefined) return 'iss';
  if (rules.subject !== undefined && payload.sub === undefined) return 'sub';
  return rules.required?.find((claim) => payload[claim] === undefined);
}

/** The token's times when every rule holds, else the first failure with the claim it concerns. */
export function checkClaims(payload: JsonObject, rules: ClaimRules): { ok: true; times: TokenTimes } | JwsFailure {
  const missing = missingClaim(payload, rules);
  if (missing !== undefined) return jwsFailure('bad_claims', `missing required "${missing}" claim`, missing);
  if (payload.iss !== rules.issuer) return jwsFailure('bad_claims', 'unexpected "iss" claim value', 'iss');
  if (rules.subject !== undefined && payload.sub !== rules.subject) return jwsFailure('bad_claims', 'unexpected "sub" claim value', 'sub');
  if (rules.audience) {
    const mismatch = audienceMismatch(payload.aud, rules.audience);
    if (mismatch !== null) return jwsFailure('bad_claims', mismatch, 'aud');
  }
  const times = readTimes(payload);
  if ('ok' in times) return times;
  const verdict = checkTimes(times, rules.nowMs, rules.times);
  return verdict ?? { ok: true, times };
}
