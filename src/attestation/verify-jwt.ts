/**
 * A JWT verified against a key set, including the case a key set leaves to the caller:
 * several keys matching the header (no `kid`), where each candidate is tried in turn.
 */
import type { CryptoKey, JWTVerifyGetKey } from 'jose';
import type { InspectedToken, JsonObject } from './inspect-token.js';
import { verifyCompactJwt, type JwtVerifyRules } from './verify-jws.js';

export type { JwtVerifyRules } from './verify-jws.js';

export async function verifyJwt(token: string, inspected: InspectedToken, getKey: JWTVerifyGetKey, rules: JwtVerifyRules): Promise<JsonObject> {
  try {
    return await verifyCompactJwt(token, inspected, getKey, rules);
  } catch (error) {
    if (!isMultipleMatch(error)) throw error;
    let last: unknown = error;
    for await (const key of error) {
      try {
        return await verifyCompactJwt(token, inspected, () => key, rules);
      } catch (attempt) {
        // A claims error means this key verified the signature: that is the answer.
        if (!isSignatureError(attempt)) throw attempt;
        last = attempt;
      }
    }
    throw last;
  }
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function isMultipleMatch(error: unknown): error is AsyncIterable<CryptoKey> {
  return codeOf(error) === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' && typeof error === 'object' && error !== null && Symbol.asyncIterator in error;
}

export function isSignatureError(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JWKS_NO_MATCHING_KEY';
}
