/**
 * Verification against a configured key set (jose's local and remote JWKS sets: JWKS
 * parsing, `kid`/`alg` matching and fetching stay jose's). Only the key set's answer is
 * used: a token's `jwk`, `jku`, `x5u` or `x5c` header is never followed (RFC 8725 §3.10).
 */
import type { CompactJWSHeaderParameters, FlattenedJWSInput, JWTVerifyGetKey } from 'jose';
import { toKeyObject, VERIFIABLE_ALGORITHMS, verifySignatureOffThread } from './algorithms.js';
import { jwsFailure, type DecodedJws, type JwsFailure, type JwsFailureReason } from './types.js';

/** What a key set's errors mean here, by their `code`. */
const KEY_SET_ERRORS: Readonly<Record<string, JwsFailureReason>> = {
  ERR_KEYS_UNAVAILABLE: 'keys_unavailable',
  ERR_JWKS_TIMEOUT: 'keys_unavailable',
  ERR_JWKS_NO_MATCHING_KEY: 'no_matching_key',
  ERR_JWKS_INVALID: 'no_keys',
  ERR_JWK_INVALID: 'bad_signature',
  ERR_JOSE_NOT_SUPPORTED: 'bad_signature',
};

function codeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}

function isMultipleMatch(error: unknown): error is AsyncIterable<unknown> {
  return codeOf(error) === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' && typeof error === 'object' && error !== null && Symbol.asyncIterator in error;
}

function flattened(jws: DecodedJws): FlattenedJWSInput {
  const dot = jws.signingInput.indexOf('.');
  return { protected: jws.signingInput.slice(0, dot), payload: jws.signingInput.slice(dot + 1), signature: jws.signature };
}

/** Off the event loop: a token of a configured issuer or agent key is verified on every request. */
async function verifyWith(jws: DecodedJws, key: unknown): Promise<JwsFailure | null> {
  const keyObject = toKeyObject(key);
  return keyObject ? verifySignatureOffThread(jws, keyObject) : jwsFailure('bad_signature', 'the key set returned no usable public key');
}

/** Several keys fit a header without `kid`: each is tried, the first that verifies wins. */
async function verifyWithCandidates(jws: DecodedJws, candidates: AsyncIterable<unknown>): Promise<JwsFailure | null> {
  let last = jwsFailure('bad_signature', 'no candidate key verifies the signature');
  for await (const key of candidates) {
    const failure = await verifyWith(jws, key);
    if (failure === null) return null;
    last = failure;
  }
  return last;
}

/**
 * The signature of `jws` checked with the key `getKey` selects for its header. RFC 8725
 * §3.1: the caller's allow-list decides the algorithm, never the token; an algorithm outside
 * VERIFIABLE_ALGORITHMS (none, HS*) is refused even when the allow-list names it.
 */
export async function verifyWithKeySet(jws: DecodedJws, getKey: JWTVerifyGetKey, algorithms: readonly string[]): Promise<JwsFailure | null> {
  const { alg } = jws.header;
  if (!algorithms.includes(alg) || !VERIFIABLE_ALGORITHMS.includes(alg)) return jwsFailure('alg_not_allowed', `alg ${JSON.stringify(alg.slice(0, 16))} is not allowed`);
  let key: unknown;
  try {
    key = await getKey(jws.header as CompactJWSHeaderParameters, flattened(jws));
  } catch (error) {
    if (isMultipleMatch(error)) return verifyWithCandidates(jws, error);
    const code = codeOf(error);
    // Anything unexpected from a key set is a refusal, never a crash.
    return jwsFailure(KEY_SET_ERRORS[code] ?? 'bad_signature', `key lookup failed: ${code || 'unexpected error'}`);
  }
  return verifyWith(jws, key);
}
