/**
 * Checking a DPoP proof (RFC 9449 §4.3), at the token endpoint and at a resource server alike.
 * Every check of §4.3 is made here except the replay of `jti` (item 12), which needs the
 * caller's store: the result hands back what to claim. Pure apart from the signature check.
 */
import { createPublicKey, timingSafeEqual, type JsonWebKey, type KeyObject } from 'node:crypto';
import { checkTyp, decodeJws, jwkThumbprint, typRule, VERIFIABLE_ALGORITHMS, verifySignature } from '../jws/index.js';
import { accessTokenHash } from './ath.js';
import { htuMatches } from './htu.js';

/** RFC 9449 §4.2: the proof's type; nothing else is a proof. */
const PROOF_TYP = typRule(['dpop+jwt'], { optional: false });
/** A proof with a 4096-bit RSA key fits well within this. */
export const MAX_PROOF_BYTES = 8 * 1024;
/** JWK members that belong to a private or symmetric key: a proof carrying one is refused. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const MAX_JTI = 256;

export interface ProofExpectations {
  /** The request's method and URI (the URI without query or fragment is compared). */
  htm: string;
  htu: string;
  nowMs: number;
  /** How old (by iat) a proof may be, and how far in the future its iat may lie. */
  maxAgeMs: number;
  futureSkewMs: number;
  /** At a resource server (or the broker called with one of its tokens): the token the proof is for. */
  accessToken?: string;
  /** The nonce the proof must carry, when the server requires one (RFC 9449 §8). */
  nonce?: (value: unknown) => boolean;
  /** RFC 8725 §3.1: the accepted algorithms (asymmetric only, whatever is passed). */
  algorithms?: readonly string[];
}

export type ProofFailureReason = 'malformed' | 'wrong_typ' | 'alg_not_allowed' | 'bad_key' | 'bad_signature' | 'bad_claims' | 'htm' | 'htu' | 'iat' | 'ath' | 'nonce';

export type ProofResult =
  | { ok: true; jkt: string; jti: string; iatMs: number }
  | { ok: false; reason: ProofFailureReason; detail: string };

const fail = (reason: ProofFailureReason, detail: string): ProofResult => ({ ok: false, reason, detail });

export function verifyDpopProof(proof: string, expect: ProofExpectations): ProofResult {
  if (proof.length > MAX_PROOF_BYTES) return fail('malformed', 'the proof is too large');
  const jws = decodeJws(proof);
  if (!jws.ok) return fail('malformed', jws.detail);
  const typ = checkTyp(jws.header, PROOF_TYP);
  if (typ) return fail('wrong_typ', typ.detail);
  const allowed = (expect.algorithms ?? VERIFIABLE_ALGORITHMS).filter((alg) => VERIFIABLE_ALGORITHMS.includes(alg));
  if (!allowed.includes(jws.header.alg)) return fail('alg_not_allowed', `alg ${JSON.stringify(jws.header.alg.slice(0, 16))} is not allowed`);
  const key = proofKey(jws.header.jwk);
  if ('reason' in key) return key;
  const badSignature = verifySignature(jws, key.publicKey);
  if (badSignature) return fail('bad_signature', badSignature.detail);
  return checkClaims(jws.payload, key.jkt, expect);
}

/** RFC 9449 §4.3 items 5-6: the embedded key is a public key, and the signature is by it. */
function proofKey(jwk: unknown): { publicKey: KeyObject; jkt: string } | ProofResult & { ok: false } {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return { ok: false, reason: 'bad_key', detail: 'no jwk in the header' };
  const members = jwk as Record<string, unknown>;
  const secret = PRIVATE_MEMBERS.find((name) => members[name] !== undefined);
  if (secret) return { ok: false, reason: 'bad_key', detail: `the jwk carries a private member (${secret})` };
  try {
    const publicKey = createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
    return { publicKey, jkt: jwkThumbprint(members as JsonWebKey) };
  } catch {
    return { ok: false, reason: 'bad_key', detail: 'the jwk is not a usable public key' };
  }
}

function checkClaims(payload: Record<string, unknown>, jkt: string, expect: ProofExpectations): ProofResult {
  const { jti, htm, htu, iat } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI) return fail('bad_claims', 'jti is not a bounded string');
  if (htm !== expect.htm) return fail('htm', 'htm is not the request method');
  if (!htuMatches(htu, expect.htu)) return fail('htu', 'htu is not the request URI');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return fail('bad_claims', 'iat is not a number');
  const iatMs = iat * 1000;
  if (iatMs < expect.nowMs - expect.maxAgeMs || iatMs > expect.nowMs + expect.futureSkewMs) return fail('iat', 'iat is outside the accepted window');
  if (expect.nonce && !expect.nonce(payload.nonce)) return fail('nonce', payload.nonce === undefined ? 'no nonce' : 'the nonce is not a current one');
  if (expect.accessToken !== undefined && !sameText(payload.ath, accessTokenHash(expect.accessToken))) return fail('ath', 'ath is not the hash of the access token');
  if (expect.accessToken === undefined && payload.ath !== undefined && typeof payload.ath !== 'string') return fail('bad_claims', 'ath is not a string');
  return { ok: true, jkt, jti, iatMs };
}

function sameText(value: unknown, expected: string): boolean {
  if (typeof value !== 'string' || value.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(value), Buffer.from(expected));
}
