/**
 * The trusted issuers' verification keys. One instance lives for the whole process so a
 * policy reload does not refetch every jwks_uri: remote sets sit in a bounded cache keyed
 * by URI (and the bearer token file sent with it, when the issuer has one). Keys come only
 * from the issuer's configuration: jose never follows a token's `jwk`, `jku`, `x5u` or `x5c`
 * header (RFC 8725 §3.10), and neither does this module.
 */
import { createLocalJWKSet, createRemoteJWKSet, customFetch, type FetchImplementation, type JSONWebKeySet, type JWTVerifyGetKey, type RemoteJWKSet } from 'jose';
import { closeSync, openSync, readSync } from 'node:fs';
import { systemClock, type Clock } from '../clock.js';
import { KeysUnavailableError } from './jose-errors.js';
import type { IssuerKeyResolver, KeySource } from './types.js';

export interface IssuerKeyResolverOptions {
  /** After a successful fetch, an unknown `kid` may trigger a refetch only this long after it. */
  cooldownMs?: number;
  cacheMaxAgeMs?: number;
  timeoutMs?: number;
  /** After a failed fetch, no new fetch for this long (a down issuer is not hammered). */
  failureBackoffMs?: number;
  /** Bound on distinct jwks_uris kept. */
  maxRemoteSets?: number;
  now?: Clock;
  /**
   * Told of jwks_uri fetch outcomes (issuer key health): every failure, and a success when it
   * is the first for the URI or follows a failure. Must not throw or block.
   */
  onFetch?: (outcome: JwksFetchOutcome) => void;
  /** Fetches jwks_uris instead of the global fetch (e.g. trusting a private CA bundle). */
  fetch?: FetchImplementation;
}

export interface JwksFetchOutcome {
  uri: string;
  ok: boolean;
  atMs: number;
  /** Why it failed, in words that carry no key material (an error code or message). */
  cause?: string;
}

interface RemoteEntry {
  set: RemoteJWKSet;
  failedUntilMs: number;
  /** The last outcome reported to onFetch: successes are reported only when this is not `ok`. */
  reported: 'ok' | 'failed' | null;
}

/** Errors that come from matching keys, not from fetching them. */
const KEY_MATCH_CODES = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JOSE_NOT_SUPPORTED', 'ERR_JWK_INVALID']);

export function createIssuerKeyResolver(
  options: IssuerKeyResolverOptions = {},
): IssuerKeyResolver & { probe(uri: string, tokenFile?: string): Promise<JwksFetchOutcome>; readonly remoteCount: number } {
  const now = options.now ?? systemClock;
  const failureBackoffMs = options.failureBackoffMs ?? 5_000;
  const maxRemoteSets = options.maxRemoteSets ?? 256;
  const remoteOptions = {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
    ...(options.fetch ? { [customFetch]: options.fetch } : {}),
  };
  const baseFetch: FetchImplementation = options.fetch ?? ((url, init) => fetch(url, init));
  const report = (uri: string, entry: RemoteEntry, error?: unknown): void => {
    if (error === undefined && entry.reported === 'ok') return;
    entry.reported = error === undefined ? 'ok' : 'failed';
    options.onFetch?.({ uri, ok: error === undefined, atMs: now(), ...(error === undefined ? {} : { cause: describeCause(error) }) });
  };
  // Inline sets are immutable policy data: one local set per JWKS object.
  const local = new WeakMap<JSONWebKeySet, JWTVerifyGetKey>();
  const remote = new Map<string, RemoteEntry>();

  function localSet(jwks: JSONWebKeySet): JWTVerifyGetKey {
    let set = local.get(jwks);
    if (!set) {
      set = createLocalJWKSet(jwks);
      local.set(jwks, set);
    }
    return set;
  }

  function remoteEntry(uri: string, tokenFile: string | undefined): RemoteEntry {
    const cacheKey = tokenFile === undefined ? uri : `${uri}\n${tokenFile}`;
    let entry = remote.get(cacheKey);
    if (entry) {
      remote.delete(cacheKey); // LRU: re-insert as most recent
    } else {
      const setOptions = tokenFile === undefined ? remoteOptions : { ...remoteOptions, [customFetch]: withBearerFile(baseFetch, tokenFile) };
      entry = { set: createRemoteJWKSet(new URL(uri), setOptions), failedUntilMs: 0, reported: null };
      if (remote.size >= maxRemoteSets) remote.delete(remote.keys().next().value as string);
    }
    remote.set(cacheKey, entry);
    return entry;
  }

  function remoteSet(uri: string, tokenFile: string | undefined): JWTVerifyGetKey {
    return async (header, token) => {
      const entry = remoteEntry(uri, tokenFile);
      if (now() < entry.failedUntilMs) {
        // During the back-off, still-fresh keys serve; nothing is fetched.
        const cached = entry.set.fresh ? entry.set.jwks() : undefined;
        if (!cached) throw new KeysUnavailableError('jwks_uri fetch failed recently; backing off');
        return createLocalJWKSet(cached)(header, token);
      }
      try {
        const key = await entry.set(header, token);
        report(uri, entry);
        return key;
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && KEY_MATCH_CODES.has(code)) {
          report(uri, entry); // the set was fetched; the token named a key it does not hold
          throw error;
        }
        entry.failedUntilMs = now() + failureBackoffMs;
        report(uri, entry, error);
        throw new KeysUnavailableError('jwks_uri could not be fetched', { cause: error });
      }
    };
  }

  /** Fetch a jwks_uri now (health probes, `policy check --online`), whatever the cache holds. */
  async function probe(uri: string, tokenFile?: string): Promise<JwksFetchOutcome> {
    const entry = remoteEntry(uri, tokenFile);
    try {
      await entry.set.reload();
      entry.failedUntilMs = 0;
      entry.reported = 'ok';
      const outcome = { uri, ok: true, atMs: now() };
      options.onFetch?.(outcome);
      return outcome;
    } catch (error) {
      entry.failedUntilMs = now() + failureBackoffMs;
      entry.reported = 'failed';
      const outcome = { uri, ok: false, atMs: now(), cause: describeCause(error) };
      options.onFetch?.(outcome);
      return outcome;
    }
  }

  return {
    forIssuer(source: KeySource): JWTVerifyGetKey | null {
      if (source.jwks) return localSet(source.jwks);
      if (source.jwksUri && URL.canParse(source.jwksUri)) return remoteSet(source.jwksUri, source.jwksTokenFile);
      return null;
    },
    probe,
    get remoteCount() {
      return remote.size;
    },
  };
}

/** A bearer token file is at most this big (a Kubernetes service-account token is about 1 KiB). */
const MAX_BEARER_FILE_BYTES = 16 * 1024;

/**
 * A fetch that sends the token in `file` as a bearer credential (RFC 6750 §2.1), read at every
 * fetch because the platform rotates it (a projected service-account token lives an hour).
 * jose fetches with `redirect: "manual"`, so the token never follows a redirect elsewhere.
 */
function withBearerFile(base: FetchImplementation, file: string): FetchImplementation {
  return async (url, init) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${readBearerFile(file)}`);
    return base(url, { ...init, headers });
  };
}

function readBearerFile(file: string): string {
  // At most one byte past the bound is read: a larger file is refused, never loaded whole.
  const buffer = Buffer.alloc(MAX_BEARER_FILE_BYTES + 1);
  let length: number;
  try {
    const fd = openSync(file, 'r');
    try {
      length = readSync(fd, buffer, 0, buffer.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new Error(`jwks_token_file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const token = buffer.toString('utf8', 0, length).trim();
  // RFC 6750 §2.1 b64token: anything else cannot go in a header (and is not a token).
  if (token.length === 0 || length > MAX_BEARER_FILE_BYTES || !/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) {
    throw new Error('jwks_token_file does not hold a bearer token');
  }
  return token;
}

/** A fetch failure in a few words: the network error's code, a timeout, or jose's message about the response. */
function describeCause(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  const inner = e?.cause;
  const code = typeof inner?.code === 'string' ? inner.code : typeof e?.code === 'string' && e.code !== 'ERR_JOSE_GENERIC' ? e.code : undefined;
  const message = typeof inner?.message === 'string' ? inner.message : typeof e?.message === 'string' ? e.message : 'fetch failed';
  return (code ? `${code}: ${message}` : message).slice(0, 200);
}
