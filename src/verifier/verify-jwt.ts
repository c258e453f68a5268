/**
 * Offline verification of one access token (RFC 9068 §4, RFC 8725): the signature by a key of
 * the broker's JWKS under an allowed algorithm, `typ` at+jwt, `iss` exactly the broker, `aud`
 * exactly this API (one audience, not one among several), `exp`/`nbf`/`iat` within the leeway.
 */
import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { sameAudience, spellingsOf } from '../discovery/audience.js';
import { invalidToken, unavailable, VerifyError } from './errors.js';

/** Larger tokens are refused unread (the broker's own limit). */
export const MAX_TOKEN_BYTES = 16 * 1024;

export interface JwtRules {
  issuer: string;
  audience: string;
  algorithms: readonly string[];
  toleranceS: number;
  nowMs: number;
}

export async function verifyAccessJwt(token: string, getKey: JWTVerifyGetKey, rules: JwtRules): Promise<Record<string, unknown>> {
  if (token.length > MAX_TOKEN_BYTES) throw invalidToken('too_large');
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) throw invalidToken('malformed');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, getKey, {
      issuer: rules.issuer,
      audience: spellingsOf(rules.audience),
      typ: 'at+jwt', // RFC 9068 §4: the token is an access token, not an ID token or an attestation
      algorithms: [...rules.algorithms],
      clockTolerance: rules.toleranceS,
      currentDate: new Date(rules.nowMs),
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'sub', 'jti', 'client_id'],
    }));
  } catch (error) {
    throw verifyFailure(error);
  }
  // jose accepts an aud list that contains us; a token valid at several APIs is replayable at each.
  // The broker forgives a root slash in the resource it was asked for, and so must the API.
  const aud = Array.isArray(payload.aud) && payload.aud.length === 1 ? payload.aud[0] : payload.aud;
  if (typeof aud !== 'string' || !sameAudience(aud, rules.audience)) {
    throw invalidToken('wrong_audience', 'the access token is for another audience');
  }
  if (typeof payload.iat !== 'number' || payload.iat * 1000 > rules.nowMs + rules.toleranceS * 1000) {
    throw invalidToken('issued_in_future');
  }
  return payload;
}

/** A jose failure in RFC 6750 terms; failing to get the keys is ours to retry, not the caller's fault. */
function verifyFailure(error: unknown): VerifyError {
  if (error instanceof VerifyError) return error;
  if (error instanceof errors.JWTExpired) return invalidToken('expired', 'the access token has expired', error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const byClaim: Record<string, VerifyError> = {
      iss: invalidToken('wrong_issuer', 'the access token is from another issuer', error),
      aud: invalidToken('wrong_audience', 'the access token is for another audience', error),
      nbf: invalidToken('not_yet_valid', 'the access token is not valid yet', error),
      typ: invalidToken('wrong_type', 'the token is not an access token (typ at+jwt)', error),
    };
    return byClaim[error.claim] ?? invalidToken('bad_claims', undefined, error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalidToken('bad_signature', undefined, error);
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return invalidToken('unknown_key', undefined, error);
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return invalidToken('algorithm_not_allowed', undefined, error);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return invalidToken('malformed', undefined, error);
  // JWKS timeouts, non-200 answers, unreadable sets, network errors: the keys could not be had.
  return unavailable('keys_unavailable', error);
}
