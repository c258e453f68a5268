/**
 * The SET content of each security event (pure): its CAEP type, its subject (RFC 9493, SSF
 * §3), its event claims; and the SET claims for one stream (SSF §4.1, RFC 8417 §2.2). The
 * record is stored in a stream's backlog and signed when it is delivered, with the key
 * current then (never a key withdrawn since).
 */
import type { SecurityEvent } from './security-event.js';
import {
  CREDENTIAL_CHANGE, gapEventType, JWK_THUMBPRINT_URI, SESSION_REVOKED, SIGNING_KEY_CREDENTIAL, VERIFICATION,
  type SubjectId,
} from './vocabulary.js';

export interface EventRecord {
  jti: string;
  /** SSF §4.1.6: the same for every SET one action caused. */
  txn: string;
  /** Seconds: when the event was created (RFC 8417 §2.2 iat). */
  iat: number;
  /** The same instant in ms, for the delivery lag (not part of the SET). */
  atMs: number;
  type: string;
  subId: SubjectId;
  event: Record<string, unknown>;
  /** The audiences of the tokens the event is about (not part of the SET): who may learn of it. Absent: everyone. */
  audiences?: string[];
}

const REASONS: Record<SecurityEvent['kind'], string> = {
  agent_suspended: 'agent suspended',
  agent_revoked: 'agent revoked: every token it held is revoked',
  token_revoked: 'token revoked',
  person_revoked: 'every token issued on behalf of this person is revoked',
  key_compromised: 'signing key withdrawn as compromised: every token it signed is revoked',
};

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * CAEP 1.0 §3.1 session-revoked for an agent (opaque: the agent id), a token (jwt_id: the
 * broker and the jti) and a person (iss_sub: their identity provider and subject); CAEP 1.0
 * §3.3 credential-change for a signing key (uri: its RFC 9278 thumbprint URI). Operators'
 * free-text reasons stay in the audit trail: receivers get a fixed reason_admin.
 */
export function eventContent(event: SecurityEvent, issuer: string): Pick<EventRecord, 'type' | 'subId' | 'event'> {
  const common = {
    event_timestamp: seconds(event.atMs),
    initiating_entity: event.initiator,
    reason_admin: { en: REASONS[event.kind] },
  };
  switch (event.kind) {
    case 'agent_suspended':
    case 'agent_revoked':
      return { type: SESSION_REVOKED, subId: { format: 'opaque', id: event.agentId }, event: common };
    case 'token_revoked':
      return { type: SESSION_REVOKED, subId: { format: 'jwt_id', iss: issuer, jti: event.jti }, event: common };
    case 'person_revoked':
      return { type: SESSION_REVOKED, subId: { format: 'iss_sub', iss: event.issuer, sub: event.subject }, event: common };
    case 'key_compromised':
      return {
        type: CREDENTIAL_CHANGE,
        subId: { format: 'uri', uri: `${JWK_THUMBPRINT_URI}${event.kid}` },
        event: { ...common, credential_type: SIGNING_KEY_CREDENTIAL, change_type: 'revoke' },
      };
  }
}

/** The gap marker as an event: how many events were dropped, and when the last of them was. */
export function gapRecord(issuer: string, streamId: string, jti: string, gap: { dropped: number; lastDropMs: number }): EventRecord {
  return {
    jti, txn: jti, iat: seconds(gap.lastDropMs), atMs: gap.lastDropMs, type: gapEventType(issuer),
    subId: { format: 'opaque', id: streamId },
    event: { event_timestamp: seconds(gap.lastDropMs), dropped: gap.dropped },
  };
}

/**
 * Events the broker could not queue at all (its state unreachable, its queue full), as one gap
 * event to be copied to every stream: each copy names its own stream (streamCopy).
 */
export function lostEventsRecord(issuer: string, txn: string, lost: { count: number; untilMs: number }): Omit<EventRecord, 'jti'> {
  return {
    txn, iat: seconds(lost.untilMs), atMs: lost.untilMs, type: gapEventType(issuer),
    subId: { format: 'opaque', id: '' },
    event: { event_timestamp: seconds(lost.untilMs), dropped: lost.count },
  };
}

/** One stream's copy of a stored event, under its own jti; a gap event is about the stream itself. */
export function streamCopy(record: Omit<EventRecord, 'jti'>, streamId: string, jti: string, issuer: string): EventRecord {
  if (record.type !== gapEventType(issuer)) return { ...record, jti };
  return { ...record, jti, subId: { format: 'opaque', id: streamId } };
}

/** SSF §8.1.4.1: the verification event names the stream; `state` is echoed when the receiver gave one. */
export function verificationRecord(streamId: string, jti: string, atMs: number, state: string | undefined): EventRecord {
  return { jti, txn: jti, iat: seconds(atMs), atMs, type: VERIFICATION, subId: { format: 'opaque', id: streamId }, event: state === undefined ? {} : { state } };
}

/** SSF §4.1: no `sub` and no `exp`; the subject is `sub_id`; one event per SET. */
export function setClaims(record: EventRecord, issuer: string, audience: string): Record<string, unknown> {
  return {
    iss: issuer,
    jti: record.jti,
    iat: record.iat,
    aud: audience,
    txn: record.txn,
    sub_id: record.subId,
    events: { [record.type]: record.event },
  };
}
