/**
 * A pending event as the SET a receiver gets (RFC 8417), signed when it is delivered by the
 * broker's current key, explicitly typed `secevent+jwt` (SSF §4.1.1, RFC 8417 §2.3), with the
 * stream's audience. Signing at delivery means an event queued before an emergency rotation
 * never goes out under the key that was withdrawn.
 */
import { signJwt, type Signer } from '../signing/index.js';
import { gapRecord, setClaims, type EventRecord } from './event-record.js';
import type { PendingEvent, StreamRecord } from './state.js';

export const SET_TYP = 'secevent+jwt';

export interface SignedSet {
  jti: string;
  set: string;
  /** When the event happened (ms), for the delivery lag. */
  atMs: number;
}

function pendingRecord(pending: PendingEvent, streamId: string, issuer: string): EventRecord {
  return 'gap' in pending ? gapRecord(issuer, streamId, pending.jti, pending.gap) : (JSON.parse(pending.record) as EventRecord);
}

export function signPending(pending: PendingEvent, stream: Pick<StreamRecord, 'id' | 'receiver'>, issuer: string, signer: Signer): SignedSet {
  const record = pendingRecord(pending, stream.id, issuer);
  const set = signJwt({ alg: signer.alg, kid: signer.kid, typ: SET_TYP }, setClaims(record, issuer, stream.receiver), signer);
  return { jti: pending.jti, set, atMs: record.atMs };
}
