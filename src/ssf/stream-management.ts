/**
 * SSF §8.1 stream management for one authenticated receiver (an agent of the policy): create,
 * read, update, replace and delete its streams, read and set their status, remove and add
 * subjects, ask for a verification event. A receiver sees only its own streams: another's, or
 * one that does not exist, is 404 alike. Poll streams nobody polled for the inactivity
 * timeout are deleted when their receiver next creates or lists streams (SSF §8.1.1).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { OAuthError } from '../errors.js';
import type { SecurityEventMetrics } from '../metrics/index.js';
import type { AudienceScope } from './audience-scope.js';
import { catchUp } from './catch-up.js';
import { verificationRecord } from './event-record.js';
import { pushTargetPolicy } from './push-address.js';
import type { SsfSettings } from './settings.js';
import { STREAM_ID, type SsfState, type StreamRecord, type StreamStatus } from './state.js';
import { applyReceiverMembers, parseDelivery, renderStream, type StreamConfigInput } from './stream-config.js';
import { parseSubject } from './subjects.js';
import { POLL_METHOD } from './vocabulary.js';
import type { Wakeups } from './wakeups.js';

export interface ManagementDeps {
  issuer: string;
  clock: Clock;
  state: SsfState;
  settings: SsfSettings;
  wakeups: Wakeups;
  /** A verification event is emitted here, not through the emitter: it is counted here too. */
  metrics: Pick<SecurityEventMetrics, 'emitted'>;
  /** Which receivers learn of which event (a new stream's catch-up). */
  scope: AudienceScope;
}

/** Subjects one stream may have removed (SSF §8.1.3.3): a bound on the record. */
const MAX_EXCLUDED_SUBJECTS = 100;

const notFound = () => new OAuthError('not_found', 'no such stream for this receiver');

/** SSF §8.1.1.3-5, §8.1.2.1: these calls name their stream. */
function named(id: string | undefined): string {
  if (id === undefined) throw new OAuthError('invalid_request', 'stream_id is required');
  return id;
}

export function createStreamManagement(deps: ManagementDeps) {
  const { state, issuer, settings } = deps;
  const render = (stream: StreamRecord) => renderStream(stream, issuer, settings);
  const targets = pushTargetPolicy(issuer, settings);

  async function own(receiver: string, id: string | undefined): Promise<StreamRecord> {
    if (id === undefined || !STREAM_ID.test(id)) throw notFound();
    const stream = await state.getStream(id);
    if (!stream || stream.receiver !== receiver) throw notFound();
    await state.touchStream(id, deps.clock());
    return stream;
  }

  /** Deletes the poll streams nobody polled for the inactivity timeout: the receiver's, or every receiver's. */
  async function purgeInactive(receiver?: string): Promise<void> {
    const now = deps.clock();
    for (const stream of await state.listStreams(receiver)) {
      if (stream.delivery.method !== POLL_METHOD) continue;
      const seen = (await state.lastSeen(stream.id)) ?? stream.createdAtMs;
      if (now - seen > settings.inactivityTimeoutMs) await state.deleteStream(stream.id);
    }
  }

  async function save(stream: StreamRecord): Promise<StreamRecord> {
    if (!(await state.saveStream(stream))) throw notFound();
    return stream;
  }

  return {
    /** The receiver's own stream (404 otherwise); the call counts as the receiver's activity on it. */
    owned: own,

    async create(receiver: string, input: StreamConfigInput) {
      await purgeInactive(receiver);
      const stream: StreamRecord = {
        id: randomBytes(16).toString('hex'), receiver, createdAtMs: deps.clock(), delivery: parseDelivery(input.delivery, targets),
        ...(input.events_requested !== undefined ? { eventsRequested: input.events_requested } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        status: 'enabled', excludedSubjects: [],
      };
      const limits = { perReceiver: settings.maxStreamsPerReceiver, total: settings.maxStreams };
      let created = await state.createStream(stream, limits);
      // Other receivers' abandoned streams must not hold the transmitter's last places.
      if (created === 'total_limit') {
        await purgeInactive();
        created = await state.createStream(stream, limits);
      }
      // SSF §8.1.1.1: 409 when the receiver may not have another stream.
      if (created !== 'created') throw new OAuthError('invalid_request', created === 'receiver_limit' ? `a receiver may hold ${settings.maxStreamsPerReceiver} streams: delete one first` : 'the transmitter holds as many streams as it may', { status: 409, reason: created });
      await state.touchStream(stream.id, stream.createdAtMs);
      if ((await catchUp(stream, stream.createdAtMs, { issuer, state, maxBacklog: settings.maxBacklog, scope: deps.scope })) > 0) {
        await state.signal();
        deps.wakeups.notify();
      }
      return render(stream);
    },

    async read(receiver: string, id: string | undefined) {
      if (id !== undefined) return render(await own(receiver, id));
      await purgeInactive(receiver);
      return (await state.listStreams(receiver)).map(render);
    },

    async update(receiver: string, input: StreamConfigInput, mode: 'update' | 'replace') {
      const stream = await own(receiver, named(input.stream_id));
      return render(await save(applyReceiverMembers(stream, input, mode, render(stream), targets)));
    },

    async remove(receiver: string, id: string | undefined): Promise<void> {
      const stream = await own(receiver, named(id));
      if (!(await state.deleteStream(stream.id))) throw notFound();
    },

    async status(receiver: string, id: string | undefined) {
      const stream = await own(receiver, named(id));
      return { stream_id: stream.id, status: stream.status, ...(stream.reason !== undefined ? { reason: stream.reason } : {}) };
    },

    async setStatus(receiver: string, input: { stream_id: string; status: StreamStatus; reason?: string }) {
      const stream = await own(receiver, input.stream_id);
      const next: StreamRecord = { ...stream, status: input.status };
      if (input.reason === undefined) delete next.reason;
      else next.reason = input.reason;
      await save(next);
      // SSF §8.1.2: a disabled stream holds no events for later.
      if (input.status === 'disabled') await state.clearBacklog(stream.id);
      if (input.status === 'enabled') deps.wakeups.notify();
      return { stream_id: stream.id, status: next.status, ...(next.reason !== undefined ? { reason: next.reason } : {}) };
    },

    /** SSF §8.1.3.2-3: events about a removed subject are not sent; adding it back undoes that. */
    async changeSubject(receiver: string, input: { stream_id: string; subject: unknown }, change: 'add' | 'remove'): Promise<void> {
      const stream = await own(receiver, input.stream_id);
      const key = parseSubject(input.subject);
      // A well-formed subject of a kind this broker never sends events about changes nothing.
      if (key === null) return;
      const excluded = stream.excludedSubjects.filter((k) => k !== key);
      if (change === 'remove') {
        if (excluded.length >= MAX_EXCLUDED_SUBJECTS) throw new OAuthError('invalid_request', `a stream may have at most ${MAX_EXCLUDED_SUBJECTS} subjects removed`);
        excluded.push(key);
      }
      await save({ ...stream, excludedSubjects: excluded });
    },

    /** SSF §8.1.4.2: queued behind the stream's other events; at most one per min_verification_interval. */
    async verify(receiver: string, input: { stream_id: string; state?: string }): Promise<void> {
      const stream = await own(receiver, input.stream_id);
      if (!(await state.claimVerification(stream.id, settings.minVerificationIntervalMs))) {
        throw new OAuthError('temporarily_unavailable', 'verification was requested too recently (min_verification_interval)', {
          status: 429, reason: 'rate_limited', headers: { 'retry-after': String(Math.ceil(settings.minVerificationIntervalMs / 1000)) },
        });
      }
      const atMs = deps.clock();
      const record = verificationRecord(stream.id, randomUUID(), atMs, input.state);
      await state.append(stream.id, record.jti, JSON.stringify(record), atMs, settings.maxBacklog);
      // Counted once queued, like every other event kind (emitter.ts); a refused request emitted nothing.
      deps.metrics.emitted('verification');
      await state.signal();
      deps.wakeups.notify();
    },
  };
}

export type StreamManagement = ReturnType<typeof createStreamManagement>;
