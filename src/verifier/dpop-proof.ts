/**
 * The DPoP proof of one request at the resource server (RFC 9449 §7.1): exactly one `DPoP`
 * header, every check of §4.3 against the actual method and URI and the presented token
 * (`ath`), the server's nonce when required (§9), and single use of its `jti` (§11.1), which
 * is claimed only once the token itself has been accepted.
 */
import { createHash } from 'node:crypto';
import { MAX_PROOF_BYTES, verifyDpopProof, type ProofFailureReason } from '../dpop/index.js';
import type { DpopSettings } from './dpop-settings.js';
import { invalidProof, unavailable, VerifyError } from './errors.js';

export interface ProvenKey {
  /** RFC 7638 thumbprint of the proof's key: the token's `cnf.jkt` must be this. */
  jkt: string;
  jti: string;
}

export interface RequestTarget {
  method: string;
  /** The request's absolute URI as the client addressed it (query and fragment are ignored). */
  url: string;
}

const DESCRIPTIONS: Record<Exclude<ProofFailureReason, 'nonce'>, string> = {
  malformed: 'the DPoP proof is not a well-formed JWS',
  wrong_typ: 'the DPoP proof is not of type dpop+jwt',
  alg_not_allowed: 'the DPoP proof is signed with an algorithm not accepted here',
  bad_key: 'the DPoP proof does not carry a usable public key',
  bad_signature: 'the DPoP proof signature does not verify',
  bad_claims: 'the DPoP proof lacks a valid jti or iat',
  htm: 'the DPoP proof is for another HTTP method',
  htu: 'the DPoP proof is for another URL',
  iat: 'the DPoP proof is too old or issued in the future',
  ath: 'the DPoP proof is not for this access token',
};

/** §4.3 item 1: one DPoP header; node joins repeated unknown headers with ", ", which no JWS contains. */
export function singleProof(dpop: string | readonly string[] | undefined): string {
  const values = dpop === undefined ? [] : typeof dpop === 'string' ? [dpop] : dpop;
  if (values.length === 0 || values[0] === '') throw invalidProof('bad_proof', 'a DPoP proof is required with the DPoP scheme');
  if (values.length > 1 || (values[0] as string).includes(',')) throw invalidProof('bad_proof', 'send exactly one DPoP header');
  const proof = (values[0] as string).trim();
  if (proof.length > MAX_PROOF_BYTES) throw invalidProof('bad_proof', DESCRIPTIONS.malformed);
  return proof;
}

export function checkProof(proof: string, accessToken: string, target: RequestTarget, settings: DpopSettings, nowMs: number): ProvenKey {
  const result = verifyDpopProof(proof, {
    htm: target.method,
    htu: target.url,
    nowMs,
    maxAgeMs: settings.maxAgeMs,
    futureSkewMs: settings.futureSkewMs,
    accessToken,
    algorithms: settings.algorithms,
    ...(settings.nonces ? { nonce: settings.nonces.accepts } : {}),
  });
  if (result.ok) return { jkt: result.jkt, jti: result.jti };
  if (result.reason === 'nonce' && settings.nonces) {
    // §9: the client retries with this nonce, taken from the DPoP-Nonce header.
    throw new VerifyError('use_dpop_nonce', 'nonce_required', 'the resource server requires a nonce in the DPoP proof', { scheme: 'DPoP', dpopNonce: settings.nonces.current() });
  }
  throw invalidProof('bad_proof', DESCRIPTIONS[result.reason as Exclude<ProofFailureReason, 'nonce'>] ?? 'the DPoP proof is not valid');
}

/** §11.1: a proof is accepted once, for as long as its iat keeps it acceptable. */
export async function claimProof(proven: ProvenKey, settings: DpopSettings): Promise<void> {
  const key = `dpop-proof:${createHash('sha256').update(`${proven.jkt} ${proven.jti}`).digest('base64url')}`;
  let first: boolean;
  try {
    first = await settings.replay.claimOnce(key, settings.maxAgeMs + settings.futureSkewMs);
  } catch (error) {
    throw unavailable('replay_cache_unavailable', error);
  }
  if (!first) throw invalidProof('proof_replayed', 'the DPoP proof has been used already');
}
