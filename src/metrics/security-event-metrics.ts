/**
 * Metrics of the Shared Signals transmitter: events emitted (by kind), SETs delivered and
 * failed (by method and a fixed reason), events dropped from full backlogs, the delivery lag
 * (from the action to the receiver's acknowledgement) and, at scrape time, each stream's
 * backlog. Labels are fixed words, policy agent ids or stream ids (bounded in number).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { OTHER } from './labels.js';

export type DeliveryMethodLabel = 'push' | 'poll';

export interface SecurityEventMetrics {
  emitted(kind: string): void;
  delivered(method: DeliveryMethodLabel, lagSeconds: number): void;
  /** A delivery attempt failed (it is retried) or the receiver refused a SET for good. */
  failed(method: DeliveryMethodLabel, reason: string): void;
  /** Events dropped from a full backlog (a gap event tells the receiver). */
  dropped(count: number): void;
}

export interface StreamBacklog {
  stream: string;
  receiver: string;
  size: number;
}

const KINDS = new Set(['agent_suspended', 'agent_revoked', 'token_revoked', 'person_revoked', 'key_compromised', 'verification']);
const REASONS = new Set([
  'invalid_request', 'invalid_key', 'invalid_issuer', 'invalid_audience', 'authentication_failed', 'access_denied', 'invalid_state',
  'timeout', 'unreachable', 'redirect', 'http_4xx', 'http_5xx', 'unsafe_endpoint', 'not_signed',
  // A receiver's name resolving to a forbidden address; its stored credential not opening.
  'forbidden_address', 'authorization_unreadable',
]);
/** Seconds from the action to the receiver's acknowledgement: sub-second normally, minutes through an outage. */
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800];

function reasonWord(reason: string): string {
  const status = /^status_(\d)\d\d$/.exec(reason);
  if (status) return status[1] === '5' ? 'http_5xx' : 'http_4xx';
  return REASONS.has(reason) ? reason : OTHER;
}

export function createSecurityEventMetrics(options: { registry: Registry; backlogs: () => Promise<StreamBacklog[]> }): SecurityEventMetrics {
  const registers = [options.registry];
  const emitted = new Counter({
    name: 'sts_security_events_emitted_total', help: 'Security events the broker emitted to its Shared Signals streams, by kind',
    labelNames: ['kind'] as const, registers,
  });
  const delivered = new Counter({
    name: 'sts_security_events_delivered_total', help: 'SETs delivered and acknowledged, by method (push, poll)',
    labelNames: ['method'] as const, registers,
  });
  const failed = new Counter({
    name: 'sts_security_events_failed_total', help: 'SET delivery attempts that failed (retried) or SETs the receiver refused, by method and reason',
    labelNames: ['method', 'reason'] as const, registers,
  });
  const dropped = new Counter({
    name: 'sts_security_events_dropped_total', help: 'Events dropped from full stream backlogs (the receiver gets a gap event)', registers,
  });
  const lag = new Histogram({
    name: 'sts_security_event_delivery_lag_seconds', help: 'From the event to its acknowledgement by the receiver, by method',
    labelNames: ['method'] as const, buckets: LAG_BUCKETS, registers,
  });
  new Gauge({
    name: 'sts_security_event_backlog', help: 'Events waiting on each stream (not yet acknowledged)',
    labelNames: ['stream', 'receiver'] as const, registers,
    async collect() {
      let backlogs: StreamBacklog[];
      try {
        backlogs = await options.backlogs();
      } catch {
        return; // store down: keep the last values rather than fail the scrape
      }
      this.reset(); // a deleted stream leaves the gauge
      for (const b of backlogs) this.set({ stream: b.stream, receiver: b.receiver }, b.size);
    },
  });
  for (const kind of KINDS) emitted.inc({ kind }, 0);
  for (const method of ['push', 'poll']) delivered.inc({ method }, 0);

  return {
    emitted: (kind) => emitted.inc({ kind: KINDS.has(kind) ? kind : OTHER }),
    delivered: (method, lagSeconds) => {
      delivered.inc({ method });
      if (Number.isFinite(lagSeconds)) lag.observe({ method }, Math.max(0, lagSeconds));
    },
    failed: (method, reason) => failed.inc({ method, reason: reasonWord(reason) }),
    dropped: (count) => dropped.inc(count),
  };
}
