/**
 * jose's jwtVerify, plus the one case it leaves to the caller: a key set with several
 * keys matching the header (no `kid`), where each candidate is tried in turn.
 */
import { jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';

export async function verifyJwt(token: string, getKey: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, getKey, options)).payload;
  } catch (error) {
    if (!isMultipleMatch(error)) throw error;
    let last: unknown = error;
    for await (const key of error) {
      try {
        return (await jwtVerify(token, key, options)).payload;
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
