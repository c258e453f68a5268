/**
 * The trusted issuers' verification keys. One instance lives for the whole process so a
 * policy reload does not refetch every jwks_uri: remote sets sit in a bounded cache keyed
 * by URI. Keys come only from the issuer's configuration: jose never follows a token's
 * `jwk`, `jku`, `x5u` or `x5c` header (RFC 8725 §3.10), and neither does this module.
 */
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey, type RemoteJWKSet } from 'jose';
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
}

interface RemoteEntry {
  set: RemoteJWKSet;
  failedUntilMs: number;
}

/** Errors that come from matching keys, not from fetching them. */
const KEY_MATCH_CODES = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JOSE_NOT_SUPPORTED', 'ERR_JWK_INVALID']);

export function createIssuerKeyResolver(options: IssuerKeyResolverOptions = {}): IssuerKeyResolver & { readonly remoteCount: number } {
  const now = options.now ?? systemClock;
  const failureBackoffMs = options.failureBackoffMs ?? 5_000;
  const maxRemoteSets = options.maxRemoteSets ?? 256;
  const remoteOptions = {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
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

  function remoteEntry(uri: string): RemoteEntry {
    let entry = remote.get(uri);
    if (entry) {
      remote.delete(uri); // LRU: re-insert as most recent
    } else {
      entry = { set: createRemoteJWKSet(new URL(uri), remoteOptions), failedUntilMs: 0 };
      if (remote.size >= maxRemoteSets) remote.delete(remote.keys().next().value as string);
    }
    remote.set(uri, entry);
    return entry;
  }

  function remoteSet(uri: string): JWTVerifyGetKey {
    return async (header, token) => {
      const entry = remoteEntry(uri);
      if (now() < entry.failedUntilMs) {
        // During the back-off, still-fresh keys serve; nothing is fetched.
        const cached = entry.set.fresh ? entry.set.jwks() : undefined;
        if (!cached) throw new KeysUnavailableError('jwks_uri fetch failed recently; backing off');
        return createLocalJWKSet(cached)(header, token);
      }
      try {
        return await entry.set(header, token);
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && KEY_MATCH_CODES.has(code)) throw error;
        entry.failedUntilMs = now() + failureBackoffMs;
        throw new KeysUnavailableError('jwks_uri could not be fetched', { cause: error });
      }
    };
  }

  return {
    forIssuer(source: KeySource): JWTVerifyGetKey | null {
      if (source.jwks) return localSet(source.jwks);
      if (source.jwksUri && URL.canParse(source.jwksUri)) return remoteSet(source.jwksUri);
      return null;
    },
    get remoteCount() {
      return remote.size;
    },
  };
}
