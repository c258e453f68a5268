import { isSigningAlg, verifyWithAlg } from './algorithms.js';
import type { AccessTokenClaims, AccessTokenHeader } from './access-token-claims.js';
import { CLOCK_SKEW_MS } from './ring-state.js';
import type { VerificationKey } from './key-ring.js';

/** What verification needs from the ring (KeyRing fits it). */
export interface BrokerKeySource {
  lookupKey(kid: string): VerificationKey | undefined;
  isCompromised(kid: string): boolean;
}

export type BrokerTokenRejection =
  | 'oversize' | 'malformed' | 'wrong_typ' | 'wrong_alg' | 'unknown_kid' | 'compromised_key'
  | 'bad_signature' | 'wrong_issuer' | 'expired' | 'not_yet_valid' | 'issued_in_future' | 'issued_after_key_retired';

export type BrokerTokenResult =
  | { ok: true; header: AccessTokenHeader; claims: AccessTokenClaims }
  | { ok: false; reason: BrokerTokenRejection };

export const MAX_TOKEN_BYTES = 16 * 1024;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SKEW_S = CLOCK_SKEW_MS / 1000;

/**
 * Verify a token this broker minted (introspection, bearer authentication of resource servers).
 * The unverified header only selects a key of our own ring (RFC 8725 §3.1, §3.10); claims are read
 * after the signature holds. Revocation (jti, agent, epoch) is the store's part, checked by the caller.
 */
export async function verifyBrokerToken(
  token: string, options: { ring: BrokerKeySource; issuer: string; now: number },
): Promise<BrokerTokenResult> {
  const fail = (reason: BrokerTokenRejection): BrokerTokenResult => ({ ok: false, reason });
  if (typeof token !== 'string' || token.length > MAX_TOKEN_BYTES) return fail('oversize');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return fail('malformed');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = decodeJson(encodedHeader);
  if (!header) return fail('malformed');
  if (header.typ !== 'at+jwt') return fail('wrong_typ'); // RFC 9068 §4; never accept another kind of JWT
  if ('crit' in header) return fail('malformed'); // RFC 7515 §4.1.11: we define no extensions
  const { alg, kid } = header;
  if (!isSigningAlg(alg)) return fail('wrong_alg');
  if (typeof kid !== 'string') return fail('unknown_kid');
  if (options.ring.isCompromised(kid)) return fail('compromised_key');
  const key = options.ring.lookupKey(kid);
  if (!key) return fail('unknown_kid');
  if (alg !== key.alg) return fail('wrong_alg'); // RFC 8725 §3.1: the key decides the algorithm
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
  if (!verifyWithAlg(key.alg, key.publicKey, signingInput, Buffer.from(encodedSignature, 'base64url'))) {
    return fail('bad_signature');
  }
  const claims = decodeJson(encodedPayload);
  if (!claims || !isAccessTokenClaims(claims)) return fail('malformed');
  if (claims.iss !== options.issuer) return fail('wrong_issuer');
  const nowS = options.now / 1000;
  if (nowS >= claims.exp) return fail('expired'); // RFC 7519 §4.1.4: no leeway on our own tokens
  if (claims.nbf > nowS + SKEW_S) return fail('not_yet_valid');
  if (claims.iat > nowS + SKEW_S) return fail('issued_in_future');
  // A retired key signs nothing new: a later token made with it means its private key leaked.
  if (key.retiredAtMs !== null && claims.iat * 1000 > key.retiredAtMs + CLOCK_SKEW_MS) return fail('issued_after_key_retired');
  return { ok: true, header: { alg, kid, typ: 'at+jwt' }, claims };
}

function decodeJson(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isAccessTokenClaims(c: Record<string, unknown>): c is Record<string, unknown> & AccessTokenClaims {
  const strings = ['iss', 'sub', 'aud', 'jti', 'client_id', 'scope', 'intent', 'tier', 'owner'] as const;
  const numbers = ['exp', 'nbf', 'iat'] as const;
  return strings.every((name) => typeof c[name] === 'string') && numbers.every((name) => Number.isFinite(c[name]));
}
