/**
 * Failed operator authentications reach the audit trail aggregated per client address: the
 * first failure of a window is recorded as it happens (`operator_auth_failed`, with its
 * reason), the rest are counted, and when the window ends one `operator_auth_failures`
 * summary gives the counts (failures by reason, attempts refused by the backoff). A flood of
 * wrong keys costs a few lines, not one per attempt. Per instance (each writes its own trail);
 * bounded: past `maxAddresses` the oldest window is summarized early. The console's CSRF
 * refusals are summarized the same way under their own event names: anyone can send them.
 */
import type { Clock } from '../../clock.js';
import type { AuditTrail } from '../../context.js';

interface Window {
  startedAtMs: number;
  endsAtMs: number;
  lastAtMs: number;
  failures: Record<string, number>;
  refused: number;
}

export interface AuthFailureAudit {
  failed(address: string, reason: string, fields: Record<string, unknown>): void;
  refused(address: string): void;
  /** Summarizes every window that has ended (every window with `all`, e.g. at shutdown). */
  sweep(all?: boolean): void;
}

/** The audit events: the first failure of a window, and its summary. */
export interface FailureEvents {
  first: string;
  summary: string;
}

export const OPERATOR_AUTH_EVENTS: FailureEvents = { first: 'operator_auth_failed', summary: 'operator_auth_failures' };

export interface AuthFailureAuditOptions {
  maxAddresses?: number;
  events?: FailureEvents;
}

export function createAuthFailureAudit(audit: Pick<AuditTrail, 'tryRecord'>, clock: Clock, windowMs: number, options: AuthFailureAuditOptions = {}): AuthFailureAudit {
  const { maxAddresses = 10_000, events = OPERATOR_AUTH_EVENTS } = options;
  // Insertion order is start order, so the windows that end first come first.
  const windows = new Map<string, Window>();

  const summarize = (address: string, w: Window): void => {
    windows.delete(address);
    const failures = Object.values(w.failures).reduce((a, b) => a + b, 0);
    // The first failure is on record already: a window with nothing more needs no summary.
    if (failures <= 1 && w.refused === 0) return;
    audit.tryRecord(events.summary, {
      remote_address: address,
      failures,
      failures_by_reason: w.failures,
      refused: w.refused,
      from: new Date(w.startedAtMs).toISOString(),
      to: new Date(w.lastAtMs).toISOString(),
    });
  };

  const sweep = (all = false): void => {
    const nowMs = clock();
    for (const [address, w] of windows) {
      if (!all && w.endsAtMs > nowMs) break;
      summarize(address, w);
    }
  };

  const windowOf = (address: string): { window: Window; opened: boolean } => {
    sweep();
    const existing = windows.get(address);
    if (existing) return { window: existing, opened: false };
    const nowMs = clock();
    if (windows.size >= maxAddresses) {
      const [oldest, w] = windows.entries().next().value as [string, Window];
      summarize(oldest, w);
    }
    const window: Window = { startedAtMs: nowMs, endsAtMs: nowMs + windowMs, lastAtMs: nowMs, failures: {}, refused: 0 };
    windows.set(address, window);
    return { window, opened: true };
  };

  return {
    failed(address, reason, fields) {
      const { window, opened } = windowOf(address);
      window.failures[reason] = (window.failures[reason] ?? 0) + 1;
      window.lastAtMs = clock();
      if (opened) audit.tryRecord(events.first, { reason, remote_address: address, ...fields });
    },
    refused(address) {
      const { window } = windowOf(address);
      window.refused += 1;
      window.lastAtMs = clock();
    },
    sweep,
  };
}
