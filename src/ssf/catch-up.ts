/**
 * A stream created now must still learn what happened while the tokens issued before it live:
 * a receiver that subscribes (or subscribes again) after an agent was suspended would
 * otherwise accept that agent's held tokens until they expire. So the broker remembers its
 * events for the longest token lifetime, and a new stream starts with those it takes, in
 * order, each with its original event time (a receiver refuses only tokens issued before it).
 * Remembered events lost to the bound become one gap event: refuse every token issued until then.
 */
import { createHash } from 'node:crypto';
import { CLOCK_TOLERANCE_MS } from '../jws/index.js';
import { HARD_MAX_TTL_MS } from '../policy/index.js';
import type { AudienceScope } from './audience-scope.js';
import { gapRecord, streamCopy, type EventRecord } from './event-record.js';
import type { SsfState, StreamRecord } from './state.js';
import { streamTakes } from './stream-config.js';

/** How long an event matters to a receiver: a token issued before it lives at most this long. */
export const RECENT_EVENTS_MS = HARD_MAX_TTL_MS + CLOCK_TOLERANCE_MS;

/** The jti of one stream's copy of an event: unique, and the same when the append is retried. */
export const streamJti = (txn: string, streamId: string): string =>
  createHash('sha256').update(`${txn}\n${streamId}`).digest('base64url').slice(0, 32);

export interface CatchUpDeps {
  issuer: string;
  state: SsfState;
  maxBacklog: number;
  scope: AudienceScope;
}

/** Queues on a new stream the events it would have had, had it existed for the longest token lifetime. */
export async function catchUp(stream: StreamRecord, nowMs: number, deps: CatchUpDeps): Promise<number> {
  const { records, lost } = await deps.state.recent(nowMs - RECENT_EVENTS_MS);
  let queued = 0;
  if (lost !== null && lost.untilMs >= nowMs - RECENT_EVENTS_MS) {
    const jti = streamJti(`lost-until-${lost.untilMs}`, stream.id);
    const gap = gapRecord(deps.issuer, stream.id, jti, { dropped: lost.count, lastDropMs: lost.untilMs });
    await deps.state.append(stream.id, jti, JSON.stringify(gap), lost.untilMs, deps.maxBacklog);
    queued++;
  }
  for (const { record } of records) {
    const event = JSON.parse(record) as Omit<EventRecord, 'jti'>;
    const jti = streamJti(event.txn, stream.id);
    const copy = streamCopy(event, stream.id, jti, deps.issuer);
    if (!streamTakes(stream, copy, deps.issuer, deps.scope)) continue;
    await deps.state.append(stream.id, jti, JSON.stringify(copy), event.atMs, deps.maxBacklog);
    queued++;
  }
  return queued;
}
