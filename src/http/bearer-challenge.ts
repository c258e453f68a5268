/**
 * RFC 6750 §3: the errors of a bearer-protected endpoint (introspection, the admin API) carry a
 * WWW-Authenticate challenge naming the scheme and, when a credential was presented, the error.
 * Descriptions are fixed texts of ours, never caller input, so they are safe in a quoted string.
 */
import { OAuthError } from '../errors.js';

const REALM = 'agent-sts';

/** 401: no credential, or one that is not valid. `reason` is the fixed vocabulary of the log and audit. */
export function invalidToken(description: string, reason: string): OAuthError {
  // RFC 6750 §3.1: without any credential, the challenge carries no error code.
  const challenge =
    reason === 'no_credential'
      ? `Bearer realm="${REALM}"`
      : `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`;
  return new OAuthError('invalid_token', description, { reason, headers: { 'www-authenticate': challenge } });
}

/** 403: a valid credential without the scope (RFC 6750 §3.1 `scope` attribute when one scope would do). */
export function insufficientScope(description: string, reason: string, scope?: string): OAuthError {
  const challenge = `Bearer realm="${REALM}", error="insufficient_scope"${scope === undefined ? '' : `, scope="${scope}"`}`;
  return new OAuthError('insufficient_scope', description, { reason, headers: { 'www-authenticate': challenge } });
}

/** 403 for an operator whose role is below the one a route needs. */
export function insufficientRole(required: string): OAuthError {
  return insufficientScope(`requires the ${required} role`, 'insufficient_role');
}

/**
 * RFC 9449 §7.1: errors for a request made with the DPoP scheme (a token bound to a key): the
 * DPoP challenge, with the proof algorithms accepted, and a fresh nonce when one is required.
 */
export function dpopChallenge(code: 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce', description: string, reason: string, algs: readonly string[], nonce?: string): OAuthError {
  const challenge = `DPoP realm="${REALM}", error="${code}", error_description="${description}", algs="${algs.join(' ')}"`;
  return new OAuthError(code, description, {
    status: 401,
    reason,
    headers: nonce === undefined ? { 'www-authenticate': challenge } : { 'www-authenticate': challenge, 'dpop-nonce': nonce },
  });
}
