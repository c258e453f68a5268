/**
 * The transmitter's settings (STS_SSF_*), read with the rest of the configuration: how many
 * streams a receiver may hold, how long a backlog may grow, how deliveries are retried and
 * how long a poll may wait.
 */
import { parseBool } from '../config-values.js';
import { parseDuration } from '../duration.js';

export interface SsfSettings {
  /** Streams one receiver may hold at once (STS_SSF_MAX_STREAMS). */
  maxStreamsPerReceiver: number;
  /** Streams in all: a bound however many receivers the policy lists. */
  maxStreams: number;
  /** Events kept per stream until acknowledged; past it the oldest are dropped and a gap event says so (STS_SSF_BACKLOG). */
  maxBacklog: number;
  /** First and longest wait between push attempts (STS_SSF_RETRY_BASE, STS_SSF_RETRY_MAX). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** One push attempt, connection to last byte (STS_SSF_PUSH_TIMEOUT). */
  pushTimeoutMs: number;
  /** How long a poll waits for events when none is pending (STS_SSF_POLL_WAIT). */
  pollWaitMs: number;
  /** A poll stream nobody polled for this long is deleted (STS_SSF_INACTIVITY_TIMEOUT, SSF §8.1.1 inactivity_timeout). */
  inactivityTimeoutMs: number;
  /** SSF §8.1.1 min_verification_interval. */
  minVerificationIntervalMs: number;
  /** Push URLs may name loopback and private addresses (STS_SSF_PRIVATE_PUSH_TARGETS): push-address.ts. */
  privatePushTargets: boolean;
}

export const SSF_SETTING_NAMES = [
  'STS_SSF_MAX_STREAMS', 'STS_SSF_BACKLOG', 'STS_SSF_RETRY_BASE', 'STS_SSF_RETRY_MAX', 'STS_SSF_PUSH_TIMEOUT',
  'STS_SSF_POLL_WAIT', 'STS_SSF_INACTIVITY_TIMEOUT', 'STS_SSF_PRIVATE_PUSH_TARGETS',
] as const;

type Source = Record<string, string | undefined>;
type Check = <T>(name: string, fn: () => T, fallback: T) => T;

export const DEFAULT_SSF_SETTINGS: SsfSettings = {
  // A receiver is one API's identity, and each replica of its verifier holds a stream of its own.
  maxStreamsPerReceiver: 100,
  maxStreams: 1_000,
  maxBacklog: 10_000,
  retryBaseMs: 1_000,
  retryMaxMs: 300_000,
  pushTimeoutMs: 5_000,
  pollWaitMs: 5_000,
  inactivityTimeoutMs: 900_000,
  minVerificationIntervalMs: 10_000,
  privatePushTargets: false,
};

/**
 * Each bad value is reported by `check` under its own name. A poll must end before the
 * connection's idle timeout (STS_CONNECTION_TIMEOUT) would cut it.
 */
export function parseSsfSettings(s: Source, check: Check, connectionTimeoutMs: number): SsfSettings {
  const d = DEFAULT_SSF_SETTINGS;
  const int = (name: string, min: number, max: number, fallback: number) =>
    check(name, () => (s[name] === undefined ? fallback : parseBounded(s[name] as string, min, max)), fallback);
  const duration = (name: string, fallback: number, minMs: number) =>
    check(name, () => (s[name] === undefined ? fallback : parseDuration(s[name], { minMs })), fallback);
  const settings: SsfSettings = {
    ...d,
    maxStreamsPerReceiver: int('STS_SSF_MAX_STREAMS', 1, 1_000, d.maxStreamsPerReceiver),
    maxBacklog: int('STS_SSF_BACKLOG', 2, 1_000_000, d.maxBacklog),
    retryBaseMs: duration('STS_SSF_RETRY_BASE', d.retryBaseMs, 10),
    retryMaxMs: duration('STS_SSF_RETRY_MAX', d.retryMaxMs, 10),
    pushTimeoutMs: duration('STS_SSF_PUSH_TIMEOUT', d.pushTimeoutMs, 100),
    pollWaitMs: duration('STS_SSF_POLL_WAIT', Math.min(d.pollWaitMs, Math.floor(connectionTimeoutMs / 2)), 100),
    inactivityTimeoutMs: duration('STS_SSF_INACTIVITY_TIMEOUT', d.inactivityTimeoutMs, 60_000),
    privatePushTargets: check('STS_SSF_PRIVATE_PUSH_TARGETS', () => parseBool(s.STS_SSF_PRIVATE_PUSH_TARGETS ?? 'false'), d.privatePushTargets),
  };
  check('STS_SSF_RETRY_MAX', () => {
    if (settings.retryMaxMs < settings.retryBaseMs) throw new Error('must not be shorter than STS_SSF_RETRY_BASE');
  }, undefined);
  check('STS_SSF_POLL_WAIT', () => {
    if (settings.pollWaitMs >= connectionTimeoutMs) throw new Error('must be shorter than STS_CONNECTION_TIMEOUT (an idle connection is cut then)');
  }, undefined);
  return Object.freeze(settings);
}

function parseBounded(value: string, min: number, max: number): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new Error(`expected a whole number, got ${JSON.stringify(value.slice(0, 20))}`);
  const n = Number(value);
  if (n < min || n > max) throw new Error(`must be from ${min} to ${max}`);
  return n;
}

