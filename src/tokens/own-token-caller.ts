/**
 * A caller of the broker's own endpoints (introspection, stream management) that authenticates
 * with a token of ours: meant for the broker (`aud` = its issuer, else 401), active, with the
 * endpoint's scope (else 403). A token bound to a key (RFC 9449 §6.1, `cnf.jkt`) must come with
 * the DPoP scheme and a proof for this very request, by that key, naming the token (`ath`), used
 * once; an unbound token comes as a bearer token (RFC 6750 §2.1). Errors carry the scheme's
 * challenge.
 */
import { sha256Hex } from '../attestation/index.js';
import { verifyDpopProof, type NonceIssuer } from '../dpop/index.js';
import { dpopChallenge, insufficientScope, invalidToken } from '../http/index.js';
import { VERIFIABLE_ALGORITHMS } from '../jws/index.js';
import type { AccessTokenClaims, BrokerKeySource } from '../signing/index.js';
import type { Store } from '../store/types.js';
import { tokenStatus } from './token-status.js';

const CREDENTIAL = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i;
const MAX_AUTHORIZATION = 16 * 1024 + 8;
const PROOF_MAX_AGE_MS = 120_000;
const PROOF_FUTURE_SKEW_MS = 30_000;

export interface OwnTokenRequest {
  authorization: string | undefined;
  dpop: string | string[] | undefined;
  /** The request's method and absolute URI (under the broker's issuer). */
  method: string;
  uri: string;
}

export interface OwnTokenDeps {
  ring: BrokerKeySource;
  issuer: string;
  store: Store;
  nowMs: number;
  nonces?: NonceIssuer | undefined;
}

export async function authenticateOwnToken(request: OwnTokenRequest, scope: string, deps: OwnTokenDeps): Promise<AccessTokenClaims> {
  const header = request.authorization;
  const need = `a token of this broker with the ${scope} scope is required`;
  if (header === undefined || header === '') throw invalidToken(need, 'no_credential');
  const match = header.length <= MAX_AUTHORIZATION ? CREDENTIAL.exec(header) : null;
  if (!match) throw invalidToken(need, 'malformed_authorization');
  const scheme = (match[1] as string).toLowerCase() === 'dpop' ? 'dpop' : 'bearer';
  const token = match[2] as string;
  const status = await tokenStatus(token, { ring: deps.ring, issuer: deps.issuer, store: deps.store, nowMs: deps.nowMs });
  if (!status.active) throw refusal(scheme, 'the token is not valid', 'caller_refused');
  const claims = status.claims;
  if (claims.cnf) await checkPossession(request, scheme, token, claims.cnf.jkt, deps);
  else if (scheme === 'dpop') throw refusal(scheme, 'the token is not bound to a key: use the Bearer scheme', 'caller_refused');
  // RFC 7519 §4.1.3, RFC 9068 §4: a token meant for another audience is rejected (401), it is
  // not valid here; a valid token of ours without the scope is insufficient_scope (RFC 6750 §3.1, 403).
  if (claims.aud !== deps.issuer) throw refusal(scheme, `the token is not meant for ${deps.issuer}`, 'caller_refused');
  if (!claims.scope.split(' ').includes(scope)) {
    throw insufficientScope(`a token for ${deps.issuer} with the ${scope} scope is required`, 'caller_refused', scope);
  }
  return claims;
}

/** RFC 9449 §7.1: the proof is for this request, by the token's key, naming the token, used once. */
async function checkPossession(request: OwnTokenRequest, scheme: 'dpop' | 'bearer', token: string, jkt: string, deps: OwnTokenDeps): Promise<void> {
  // RFC 9449 §7.2: a bound token is not a bearer token.
  if (scheme !== 'dpop') throw refusal('dpop', 'the token is bound to a key: use the DPoP scheme with a proof', 'caller_refused');
  const proof = request.dpop;
  if (proof === undefined || Array.isArray(proof) || proof.includes(',')) throw proofError('send exactly one DPoP header', deps);
  const result = verifyDpopProof(proof, {
    htm: request.method, htu: request.uri, nowMs: deps.nowMs, maxAgeMs: PROOF_MAX_AGE_MS, futureSkewMs: PROOF_FUTURE_SKEW_MS,
    accessToken: token, ...(deps.nonces ? { nonce: deps.nonces.accepts } : {}),
  });
  if (!result.ok) {
    if (result.reason === 'nonce' && deps.nonces) throw dpopChallenge('use_dpop_nonce', 'a current server nonce is required', 'caller_refused', VERIFIABLE_ALGORITHMS, deps.nonces.current());
    throw proofError('the DPoP proof was not accepted', deps);
  }
  if (result.jkt !== jkt) throw proofError('the DPoP proof is not by the key the token is bound to', deps);
  if (!(await deps.store.claimOnce(`dpop:${jkt}:${sha256Hex(result.jti)}`, PROOF_MAX_AGE_MS + PROOF_FUTURE_SKEW_MS))) {
    throw proofError('the DPoP proof was used before', deps);
  }
}

function refusal(scheme: 'dpop' | 'bearer', description: string, reason: string) {
  return scheme === 'dpop' ? dpopChallenge('invalid_token', description, reason, VERIFIABLE_ALGORITHMS) : invalidToken(description, reason);
}

function proofError(description: string, deps: OwnTokenDeps) {
  return dpopChallenge('invalid_dpop_proof', description, 'caller_refused', VERIFIABLE_ALGORITHMS, deps.nonces?.current());
}
