import { checkTimes, checkTyp, decodeJws, typRule, verifySignature, type JwsFailure } from '../jws/index.js';
import { isSigningAlg } from './algorithms.js';
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

/** RFC 9068 §4: only an access token, never another kind of JWT signed by the same keys. */
const ACCESS_TOKEN_TYP = typRule(['at+jwt'], { optional: false });

/** Our own tokens by our own clock: no leeway on exp (RFC 7519 §4.1.4), the ring's skew on nbf and iat. */
const OWN_TOKEN_TIMES = Object.freeze({ toleranceMs: CLOCK_SKEW_MS, expToleranceMs: 0 });

function rejection(failure: JwsFailure): BrokerTokenRejection {
  switch (failure.reason) {
    case 'too_large': return 'oversize';
    case 'wrong_typ': return 'wrong_typ';
    case 'alg_not_allowed': return 'wrong_alg';
    case 'bad_signature': return 'bad_signature';
    case 'expired': return 'expired';
    case 'not_yet_valid': return 'not_yet_valid';
    case 'issued_in_future': return 'issued_in_future';
    default: return 'malformed';
  }
}

/**
 * Verify a token this broker minted (introspection, bearer authentication of resource servers).
 * The unverified header only selects a key of our own ring (RFC 8725 §3.1, §3.10); claims are read
 * after the signature holds. Revocation (jti, agent, epoch) is the store's part, checked by the caller.
 */
export async function verifyBrokerToken(
  token: string, options: { ring: BrokerKeySource; issuer: string; now: number },
): Promise<BrokerTokenResult> {
  const fail = (reason: BrokerTokenRejection): BrokerTokenResult => ({ ok: false, reason });
  const jws = decodeJws(token);
  if (!jws.ok) return fail(rejection(jws));
  const typ = checkTyp(jws.header, ACCESS_TOKEN_TYP);
  if (typ) return fail(rejection(typ));
  const { alg, kid } = jws.header;
  if (!isSigningAlg(alg)) return fail('wrong_alg');
  if (typeof kid !== 'string') return fail('unknown_kid');
  if (options.ring.isCompromised(kid)) return fail('compromised_key');
  const key = options.ring.lookupKey(kid);
  if (!key) return fail('unknown_kid');
  if (alg !== key.alg) return fail('wrong_alg'); // RFC 8725 §3.1: the key decides the algorithm
  const badSignature = verifySignature(jws, key.publicKey);
  if (badSignature) return fail(rejection(badSignature));
  const claims = jws.payload;
  if (!isAccessTokenClaims(claims)) return fail('malformed');
  if (claims.iss !== options.issuer) return fail('wrong_issuer');
  const badTimes = checkTimes(claims, options.now, OWN_TOKEN_TIMES);
  if (badTimes) return fail(rejection(badTimes));
  // A retired key signs nothing new: a later token made with it means its private key leaked.
  if (key.retiredAtMs !== null && claims.iat * 1000 > key.retiredAtMs + CLOCK_SKEW_MS) return fail('issued_after_key_retired');
  return { ok: true, header: { alg, kid, typ: 'at+jwt' }, claims };
}

function isAccessTokenClaims(c: Record<string, unknown>): c is Record<string, unknown> & AccessTokenClaims {
  const strings = ['iss', 'sub', 'aud', 'jti', 'client_id', 'scope', 'intent', 'tier', 'owner'] as const;
  const numbers = ['exp', 'nbf', 'iat'] as const;
  if (!strings.every((name) => typeof c[name] === 'string') || !numbers.every((name) => Number.isFinite(c[name]))) return false;
  // Delegated: both or neither, the chain well formed. Bound (RFC 9449 §6.1): a thumbprint.
  if ((c.act === undefined) !== (c.subject_issuer === undefined)) return false;
  if (c.cnf !== undefined && !isJktConfirmation(c.cnf)) return false;
  if (c.may_act !== undefined && (c.act === undefined || !isMayAct(c.may_act))) return false;
  return c.act === undefined || (typeof c.subject_issuer === 'string' && actChain(c.act) !== null);
}

function isMayAct(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { sub, iss } = value as Record<string, unknown>;
  return typeof sub === 'string' && sub.length > 0 && (iss === undefined || typeof iss === 'string');
}

function isJktConfirmation(cnf: unknown): boolean {
  if (typeof cnf !== 'object' || cnf === null) return false;
  const { jkt } = cnf as Record<string, unknown>;
  return typeof jkt === 'string' && /^[A-Za-z0-9_-]{43}$/.test(jkt);
}

/** The most agents a token of ours may name in its act chain. */
export const MAX_ACT_DEPTH = 8;

/** The agent ids of an RFC 8693 `act` claim, outermost (the current actor) first; null when malformed. */
export function actChain(act: unknown): string[] | null {
  const ids: string[] = [];
  let node: unknown = act;
  while (node !== undefined) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return null;
    const { sub, act: inner } = node as Record<string, unknown>;
    if (typeof sub !== 'string' || sub.length === 0 || ids.length >= MAX_ACT_DEPTH) return null;
    ids.push(sub);
    node = inner;
  }
  return ids;
}
