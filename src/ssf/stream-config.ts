/**
 * A stream's configuration as SSF §8.1.1 shows it to its receiver, and the rules that are
 * pure: which events a stream carries (events_delivered = supported ∩ requested), whether it
 * takes a given event, and the receiver-supplied members parsed into a record.
 */
import { OAuthError } from '../errors.js';
import type { AudienceScope } from './audience-scope.js';
import type { PushTargetPolicy } from './push-address.js';
import { checkAuthorizationHeader, checkPushEndpoint } from './push-endpoint.js';
import type { SsfSettings } from './settings.js';
import type { StreamDelivery, StreamRecord } from './state.js';
import { gapEventType, POLL_METHOD, PUSH_METHOD, revocationEventTypes, subjectKey, VERIFICATION, type SubjectId } from './vocabulary.js';

/** What a receiver may send (SSF §8.1.1.1); transmitter-supplied members may be repeated but must match. */
export interface StreamConfigInput {
  stream_id?: string;
  delivery?: { method: string; endpoint_url?: string; authorization_header?: string };
  events_requested?: string[];
  description?: string;
  iss?: string;
  aud?: string | string[];
  events_supported?: string[];
  events_delivered?: string[];
  min_verification_interval?: number;
  inactivity_timeout?: number;
}

const TRANSMITTER_SUPPLIED = ['iss', 'aud', 'events_supported', 'events_delivered', 'min_verification_interval', 'inactivity_timeout'] as const;

const pollEndpoint = (issuer: string, id: string): string => `${issuer}/ssf/poll/${id}`;

/** Requested types the broker does not transmit are ignored (SSF §8.1.1); none requested means all. */
function eventsDelivered(stream: Pick<StreamRecord, 'eventsRequested'>, issuer: string): string[] {
  const supported = revocationEventTypes(issuer);
  return stream.eventsRequested === undefined ? supported : supported.filter((type) => stream.eventsRequested?.includes(type));
}

/** A disabled stream holds nothing (SSF §8.1.2); a paused one holds events for later. */
export function streamAccepts(stream: StreamRecord, type: string, subject: SubjectId, issuer: string): boolean {
  if (stream.status === 'disabled') return false;
  if (type !== VERIFICATION && !eventsDelivered(stream, issuer).includes(type)) return false;
  return !stream.excludedSubjects.includes(subjectKey(subject));
}

/**
 * Whether a stream takes an event record. A gap event (events were lost) goes to every stream
 * that holds events at all, whatever it asked for, as the gap of a full backlog does: without
 * it a receiver would never learn that it must distrust what it may have missed. An event
 * about tokens for some audiences goes only to receivers that serve one of them.
 */
export function streamTakes(stream: StreamRecord, record: { type: string; subId: SubjectId; audiences?: string[] }, issuer: string, scope: AudienceScope): boolean {
  if (record.type === gapEventType(issuer)) return stream.status !== 'disabled';
  if (record.audiences !== undefined && !scope.receiverSees(stream.receiver, record.audiences)) return false;
  return streamAccepts(stream, record.type, record.subId, issuer);
}

/** SSF §8.1.1: the configuration the receiver sees. */
export function renderStream(stream: StreamRecord, issuer: string, settings: SsfSettings): Record<string, unknown> {
  const delivery = stream.delivery.method === PUSH_METHOD
    ? { method: PUSH_METHOD, endpoint_url: stream.delivery.endpointUrl, ...(stream.delivery.authorizationHeader ? { authorization_header: stream.delivery.authorizationHeader } : {}) }
    : { method: POLL_METHOD, endpoint_url: pollEndpoint(issuer, stream.id) };
  return {
    stream_id: stream.id,
    iss: issuer,
    aud: stream.receiver,
    delivery,
    events_supported: revocationEventTypes(issuer),
    ...(stream.eventsRequested ? { events_requested: stream.eventsRequested } : {}),
    events_delivered: eventsDelivered(stream, issuer),
    ...(stream.description !== undefined ? { description: stream.description } : {}),
    min_verification_interval: Math.ceil(settings.minVerificationIntervalMs / 1000),
    // Only polls show the receiver is still there: a push stream is kept until deleted.
    ...(stream.delivery.method === POLL_METHOD ? { inactivity_timeout: Math.floor(settings.inactivityTimeoutMs / 1000) } : {}),
  };
}

/** SSF §6.1: no delivery means poll; the poll URL is the transmitter's, whatever the receiver sent. */
export function parseDelivery(input: StreamConfigInput['delivery'], targets: PushTargetPolicy): StreamDelivery {
  if (input === undefined || input.method === POLL_METHOD) return { method: POLL_METHOD };
  if (input.method !== PUSH_METHOD) throw new OAuthError('invalid_request', `delivery.method must be ${PUSH_METHOD} or ${POLL_METHOD}`);
  if (input.endpoint_url === undefined) throw new OAuthError('invalid_request', 'push delivery needs delivery.endpoint_url');
  return {
    method: PUSH_METHOD,
    endpointUrl: checkPushEndpoint(input.endpoint_url, targets),
    ...(input.authorization_header !== undefined ? { authorizationHeader: checkAuthorizationHeader(input.authorization_header) } : {}),
  };
}

/**
 * The receiver-supplied members of a create (all given), an update (PATCH: only those present
 * change) or a replace (PUT: absent ones are removed). SSF §8.1.1.3-4: transmitter-supplied
 * members may be present but must match what the stream shows before the change.
 */
export function applyReceiverMembers(
  stream: StreamRecord, input: StreamConfigInput, mode: 'update' | 'replace', shown: Record<string, unknown>, targets: PushTargetPolicy,
): StreamRecord {
  for (const name of TRANSMITTER_SUPPLIED) {
    if (input[name] !== undefined && JSON.stringify(input[name]) !== JSON.stringify(shown[name])) {
      throw new OAuthError('invalid_request', `${name} is set by the transmitter and does not match`);
    }
  }
  const next: StreamRecord = { ...stream };
  if (mode === 'replace' || input.delivery !== undefined) next.delivery = parseDelivery(input.delivery, targets);
  if (mode === 'replace' || input.events_requested !== undefined) setOptional(next, 'eventsRequested', input.events_requested);
  if (mode === 'replace' || input.description !== undefined) setOptional(next, 'description', input.description);
  return next;
}

function setOptional<K extends 'eventsRequested' | 'description'>(stream: StreamRecord, key: K, value: StreamRecord[K] | undefined): void {
  if (value === undefined) delete stream[key];
  else stream[key] = value;
}
