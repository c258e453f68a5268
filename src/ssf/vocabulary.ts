/**
 * The names the OpenID Shared Signals Framework 1.0 and CAEP 1.0 give to what the broker
 * transmits, in one place: delivery methods (SSF §6.1), event types, the scope a receiver's
 * token needs, and the subject identifier formats (RFC 9493 §3, SSF §3.4) the broker uses.
 */

/** SSF §6.1.1: push delivery (RFC 8935). */
export const PUSH_METHOD = 'urn:ietf:rfc:8935';
/** SSF §6.1.2: poll delivery (RFC 8936). */
export const POLL_METHOD = 'urn:ietf:rfc:8936';
export type DeliveryMethod = typeof PUSH_METHOD | typeof POLL_METHOD;

/** A receiver manages its streams with a bearer token of ours for the broker carrying this scope. */
export const SSF_STREAM_SCOPE = 'ssf:stream';

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const SSF = 'https://schemas.openid.net/secevent/ssf/event-type/';

/** CAEP 1.0 §3.1: a session (here: every token of an agent or a person, or one token) was revoked. */
export const SESSION_REVOKED = `${CAEP}session-revoked`;
/** CAEP 1.0 §3.3: a credential (here: a signing key of the broker) was revoked. */
export const CREDENTIAL_CHANGE = `${CAEP}credential-change`;
/** SSF §8.1.4.1: the event a receiver asks for to check its stream end to end. */
export const VERIFICATION = `${SSF}verification`;

/**
 * Not defined by SSF: events were dropped from a stream whose backlog overflowed. A receiver
 * cannot know what it missed, so it must treat every token issued up to `event_timestamp` as
 * revoked (the verifier does). The type lives under the transmitter's own issuer URL.
 */
export const gapEventType = (issuer: string): string => `${issuer}/secevent/event-type/events-dropped`;

/** The events a stream of this broker can carry; SSF's own events (verification) are always delivered. */
export const revocationEventTypes = (issuer: string): string[] => [SESSION_REVOKED, CREDENTIAL_CHANGE, gapEventType(issuer)];

/** CAEP 1.0 §2 credential_type: not one of CAEP's list; agreed by this broker's stream documentation. */
export const SIGNING_KEY_CREDENTIAL = 'jwk';

/**
 * RFC 9493 subject identifiers and SSF §3.4.1 `jwt_id`. A signing key is named by its RFC 9278
 * JWK thumbprint URI (its kid is the RFC 7638 thumbprint).
 */
export type SubjectId =
  | { format: 'opaque'; id: string }
  | { format: 'iss_sub'; iss: string; sub: string }
  | { format: 'jwt_id'; iss: string; jti: string }
  | { format: 'uri'; uri: string };

export const JWK_THUMBPRINT_URI = 'urn:ietf:params:oauth:jwk-thumbprint:sha-256:';

/** One canonical text per subject, to compare subjects a receiver removed from its stream. */
export function subjectKey(subject: SubjectId): string {
  switch (subject.format) {
    case 'opaque': return JSON.stringify(['opaque', subject.id]);
    case 'iss_sub': return JSON.stringify(['iss_sub', subject.iss, subject.sub]);
    case 'jwt_id': return JSON.stringify(['jwt_id', subject.iss, subject.jti]);
    case 'uri': return JSON.stringify(['uri', subject.uri]);
  }
}
