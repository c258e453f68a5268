/**
 * Sender-constrained tokens (RFC 9449 §6, §7): a token whose verified claims carry `cnf` is
 * usable only by the holder of that key. Pure: the caller says which key the request proved
 * (the DPoP proof's thumbprint), or none when the token came as a bearer token.
 */
import { invalidToken } from './errors.js';

/** The bound key's thumbprint, undefined for a bearer token; a `cnf` this API cannot check is refused. */
export function boundKey(claims: Record<string, unknown>): string | undefined {
  const { cnf } = claims;
  if (cnf === undefined) return undefined;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) throw invalidToken('bad_claims', 'the access token has a malformed cnf claim');
  const { jkt, ...others } = cnf as Record<string, unknown>;
  // Another confirmation method (an mTLS certificate, RFC 8705) is a binding this API cannot
  // verify: accepting the token would ignore it, so it is refused (fail closed).
  if (typeof jkt !== 'string' || jkt.length === 0 || Object.keys(others).length > 0) {
    throw invalidToken('bad_claims', 'the access token is bound in a way this API cannot check');
  }
  return jkt;
}

/** Throws unless the presented token and the proven key go together. */
export function checkBinding(claims: Record<string, unknown>, provenJkt: string | undefined): void {
  const jkt = boundKey(claims);
  if (jkt === undefined) {
    if (provenJkt !== undefined) throw invalidToken('not_bound', 'the access token is not DPoP-bound');
    return;
  }
  // §7.2: a bound token is worthless as a bearer token, whoever presents it.
  if (provenJkt === undefined) throw invalidToken('bound_token_as_bearer', 'the access token is DPoP-bound: present it with the DPoP scheme and a proof');
  // §7.1: the proof must be signed by the very key the token was issued to.
  if (provenJkt !== jkt) throw invalidToken('key_mismatch', 'invalid DPoP key binding');
}
