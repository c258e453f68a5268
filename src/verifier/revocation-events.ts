/**
 * What a verified SET from the broker means for this API (pure over the revocation state):
 * - CAEP session-revoked about an agent (`opaque`: its id), a token (`jwt_id` of the broker: its
 *   jti) or a person (`iss_sub`: their identity provider and subject): refuse those tokens;
 * - CAEP credential-change revoking a signing key (`uri`: the RFC 9278 thumbprint URI of its kid);
 * - the broker's gap event (events were dropped): refuse every token issued up to it;
 * - SSF verification: the stream works (its `state` is checked by the caller).
 * Anything else is ignored, as SSF §4.2 asks of events a receiver does not understand.
 * The names are the broker's (src/ssf/vocabulary.ts); this library keeps its own copy.
 */
import type { RevocationState } from './revocation-state.js';
import type { SetClaims } from './security-event-token.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
const JWK_THUMBPRINT_URI = 'urn:ietf:params:oauth:jwk-thumbprint:sha-256:';
const gapEventType = (issuer: string): string => `${issuer}/secevent/event-type/events-dropped`;

export type EventEffect =
  | { kind: 'revoked'; what: 'agent' | 'token' | 'person' | 'key' | 'everything' }
  | { kind: 'verification'; streamId: string | undefined; state: string | undefined }
  | { kind: 'ignored' };

const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 1_024;

export function applySecurityEvent(claims: SetClaims, state: RevocationState, issuer: string): EventEffect[] {
  const subject = (typeof claims.sub_id === 'object' && claims.sub_id !== null ? claims.sub_id : {}) as Record<string, unknown>;
  return Object.entries(claims.events).map(([type, event]) => {
    // CAEP 1.0 §2: event_timestamp is when it happened; the SET's iat when it was made (never earlier).
    const atS = typeof event.event_timestamp === 'number' && Number.isFinite(event.event_timestamp) ? event.event_timestamp : claims.iat;
    if (type === SESSION_REVOKED) return sessionRevoked(subject, atS, state, issuer);
    if (type === CREDENTIAL_CHANGE && event.change_type === 'revoke' && subject.format === 'uri' && text(subject.uri) && subject.uri.startsWith(JWK_THUMBPRINT_URI)) {
      state.compromiseKey(subject.uri.slice(JWK_THUMBPRINT_URI.length), atS);
      return { kind: 'revoked', what: 'key' };
    }
    if (type === gapEventType(issuer)) {
      state.revokeAllBefore(atS);
      return { kind: 'revoked', what: 'everything' };
    }
    if (type === VERIFICATION) {
      return { kind: 'verification', streamId: subject.format === 'opaque' && text(subject.id) ? subject.id : undefined, state: text(event.state) ? event.state : undefined };
    }
    return { kind: 'ignored' };
  });
}

function sessionRevoked(subject: Record<string, unknown>, atS: number, state: RevocationState, issuer: string): EventEffect {
  if (subject.format === 'opaque' && text(subject.id)) {
    state.revokeAgent(subject.id, atS);
    return { kind: 'revoked', what: 'agent' };
  }
  if (subject.format === 'jwt_id' && subject.iss === issuer && text(subject.jti)) {
    state.revokeToken(subject.jti, atS);
    return { kind: 'revoked', what: 'token' };
  }
  if (subject.format === 'iss_sub' && text(subject.iss) && text(subject.sub)) {
    state.revokePerson(subject.iss, subject.sub, atS);
    return { kind: 'revoked', what: 'person' };
  }
  return { kind: 'ignored' };
}
