/**
 * Issuer key health: the last fetch outcome of every jwks_uri, fed by the key resolver's
 * onFetch hook (token verification and the periodic probe). A failure is logged with the URL
 * and its cause (once per minute while it lasts), a recovery once; `/readyz`, the metrics
 * gauge and the console read the snapshot. Bounded: at most `maxUris` entries, the policy's
 * jwks_uris being the only ones ever fetched.
 */
import type { JwksFetchOutcome } from '../attestation/index.js';
import type { JwksReachability } from './types.js';

export interface JwksHealth {
  jwks_uri: string;
  status: 'ok' | 'failing' | 'unknown';
  last_ok_at: string | null;
  last_failure_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
}

export interface IssuerKeyHealth {
  record(outcome: JwksFetchOutcome): void;
  /** One entry per URI asked for, `unknown` when never fetched. */
  snapshot(uris: readonly string[]): JwksHealth[];
  reachability(): JwksReachability;
}

interface HealthLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

interface Entry {
  lastOkMs: number | null;
  lastFailureMs: number | null;
  lastError: string | null;
  failures: number;
  loggedMs: number;
}

const RELOG_MS = 60_000;

export function createIssuerKeyHealth(options: { logger: HealthLogger; maxUris?: number }): IssuerKeyHealth {
  const { logger } = options;
  const maxUris = options.maxUris ?? 256;
  const entries = new Map<string, Entry>();

  const entryFor = (uri: string): Entry => {
    let entry = entries.get(uri);
    if (!entry) {
      if (entries.size >= maxUris) entries.delete(entries.keys().next().value as string);
      entry = { lastOkMs: null, lastFailureMs: null, lastError: null, failures: 0, loggedMs: -Infinity };
      entries.set(uri, entry);
    }
    return entry;
  };

  return {
    record(outcome) {
      const entry = entryFor(outcome.uri);
      if (outcome.ok) {
        if (entry.failures > 0) logger.info({ jwks_uri: outcome.uri, after_failures: entry.failures }, 'issuer keys can be fetched again');
        entry.lastOkMs = outcome.atMs;
        entry.failures = 0;
        entry.loggedMs = -Infinity;
        return;
      }
      entry.failures++;
      entry.lastFailureMs = outcome.atMs;
      entry.lastError = outcome.cause ?? 'fetch failed';
      if (outcome.atMs - entry.loggedMs >= RELOG_MS) {
        entry.loggedMs = outcome.atMs;
        logger.warn({ jwks_uri: outcome.uri, cause: entry.lastError, consecutive_failures: entry.failures },
          'issuer keys cannot be fetched: attestations from this issuer are refused (503) until they can');
      }
    },
    snapshot(uris) {
      return [...new Set(uris)].map((uri) => {
        const e = entries.get(uri);
        const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());
        return {
          jwks_uri: uri,
          status: !e ? 'unknown' : e.failures > 0 ? 'failing' : e.lastOkMs !== null ? 'ok' : 'unknown',
          last_ok_at: iso(e?.lastOkMs),
          last_failure_at: iso(e?.lastFailureMs),
          last_error: e && e.failures > 0 ? e.lastError : null,
          consecutive_failures: e?.failures ?? 0,
        };
      });
    },
    reachability() {
      const out = new Map<string, { ok: boolean; cause?: string }>();
      for (const [uri, e] of entries) {
        if (e.failures > 0) out.set(uri, { ok: false, cause: e.lastError ?? 'fetch failed' });
        else if (e.lastOkMs !== null) out.set(uri, { ok: true });
      }
      return out;
    },
  };
}
