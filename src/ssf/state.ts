/**
 * What the transmitter keeps: the streams (SSF §8.1.1 configuration and status, per receiver)
 * and, per stream, the events not yet acknowledged, in order. One interface, two
 * implementations: in this process (the embedded store) and Redis (every instance shares the
 * streams and their backlogs, so a restart or another instance carries on delivering). Both
 * pass test/ssf/state-contract.ts.
 */
import type { POLL_METHOD, PUSH_METHOD } from './vocabulary.js';

export type StreamStatus = 'enabled' | 'paused' | 'disabled';

/**
 * SSF §6.1: how events reach the receiver. Push carries the receiver's URL and its optional
 * authorization header; `authorizationUnreadable` marks a stored header that did not open
 * (store/sealed-text.ts): nothing is pushed without it.
 */
export type StreamDelivery =
  | { method: typeof PUSH_METHOD; endpointUrl: string; authorizationHeader?: string; authorizationUnreadable?: true }
  | { method: typeof POLL_METHOD };

export interface StreamRecord {
  /** 32 lowercase hex characters (RFC 3986 unreserved, SSF §8.1.1). */
  id: string;
  /** The agent (client_id) that created the stream: the only one who may see or change it. */
  receiver: string;
  createdAtMs: number;
  delivery: StreamDelivery;
  /** Absent: every event type the broker transmits. */
  eventsRequested?: string[];
  description?: string;
  status: StreamStatus;
  reason?: string;
  /** Canonical subject keys (subjectKey) the receiver removed from the stream (SSF §8.1.3.3). */
  excludedSubjects: string[];
}

/** An event waiting on a stream: a stored event record, or the marker that events were dropped. */
export type PendingEvent =
  | { jti: string; record: string }
  | { jti: string; gap: { dropped: number; lastDropMs: number } };

/** One remembered event: its stored record (unique by its txn) and when it happened. */
export interface RecentEvent {
  atMs: number;
  record: string;
}

export interface StreamLimits {
  perReceiver: number;
  total: number;
}

export interface SsfState {
  createStream(stream: StreamRecord, limits: StreamLimits): Promise<'created' | 'receiver_limit' | 'total_limit'>;
  getStream(id: string): Promise<StreamRecord | null>;
  /** Every stream, or one receiver's. */
  listStreams(receiver?: string): Promise<StreamRecord[]>;
  /** Replaces a stream's record; false when it no longer exists. */
  saveStream(stream: StreamRecord): Promise<boolean>;
  /** Removes the stream and its backlog; false when there was none. */
  deleteStream(id: string): Promise<boolean>;
  /** The receiver was active on the stream (a poll, a management call): SSF §8.1.1 inactivity_timeout. */
  touchStream(id: string, atMs: number): Promise<void>;
  lastSeen(id: string): Promise<number | null>;
  /**
   * Adds an event at the end of the stream's backlog unless one with that jti is there already
   * (a retried append). A full backlog drops its oldest events and records them as a gap, which
   * is delivered first, under a new jti each time it grows.
   */
  append(id: string, jti: string, record: string, atMs: number, maxBacklog: number): Promise<{ appended: boolean; dropped: number }>;
  /** The oldest events not acknowledged: the gap marker first, then in the order appended. */
  pending(id: string, max: number): Promise<PendingEvent[]>;
  /** Removes the events with these jtis (a stale gap jti is ignored); how many were removed. */
  ack(id: string, jtis: readonly string[]): Promise<number>;
  backlog(id: string): Promise<number>;
  clearBacklog(id: string): Promise<void>;
  /** Takes or extends the stream's delivery lease for `owner`; false while another owner holds it. */
  acquireLease(id: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(id: string, owner: string): Promise<void>;
  /** True at most once per `ttlMs` per stream (SSF §8.1.1 min_verification_interval). */
  claimVerification(id: string, ttlMs: number): Promise<boolean>;
  /**
   * The broker's recent events, kept apart from any stream so that a stream created later
   * still learns what happened while tokens issued before it live: records from before
   * `keepSinceMs` go, and past `maxEntries` the oldest go (remembered as lost).
   */
  remember(record: RecentEvent, keepSinceMs: number, maxEntries: number): Promise<void>;
  /** The events remembered since `sinceMs`, oldest first, and how many were lost to the bound (until when). */
  recent(sinceMs: number): Promise<{ records: RecentEvent[]; lost: { untilMs: number; count: number } | null }>;
  /** Something was appended: wakes deliveries and long polls on every instance (see version). */
  signal(): Promise<void>;
  version(): Promise<number>;
}

export const STREAM_ID = /^[0-9a-f]{32}$/;
