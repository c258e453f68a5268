/**
 * Discovery of one broker's endpoints, cached for as long as its Cache-Control allows (within
 * bounds), one fetch at a time. Endpoints rarely move, so when a refresh fails the last
 * document that passed the checks is used again rather than failing every call.
 */
import { BrokerCallError, cacheMaxAgeMs, callBroker, readJson, type FetchLike } from './broker-call.js';
import { checkIssuer, metadataUrls, parseMetadata, type AuthorizationServerMetadata } from './metadata.js';

const MAX_METADATA_BYTES = 64 * 1024;
const MIN_CACHE_MS = 60_000;
const DEFAULT_CACHE_MS = 3_600_000;
const MAX_CACHE_MS = 86_400_000;

export interface DiscoveryOptions {
  issuer: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  now?: () => number;
}

export interface Discovery {
  readonly issuer: string;
  metadata(): Promise<AuthorizationServerMetadata>;
}

export function createDiscovery(options: DiscoveryOptions): Discovery {
  const issuer = checkIssuer(options.issuer);
  const limits = { fetch: options.fetch ?? fetch, timeoutMs: options.timeoutMs ?? 10_000 };
  const now = options.now ?? Date.now;
  let cached: { metadata: AuthorizationServerMetadata; freshUntilMs: number } | undefined;
  let pending: Promise<AuthorizationServerMetadata> | undefined;

  const load = async (): Promise<AuthorizationServerMetadata> => {
    const urls = metadataUrls(issuer);
    for (const [index, url] of urls.entries()) {
      const response = await callBroker(url, { headers: { accept: 'application/json' } }, limits);
      if (response.status === 404 && index < urls.length - 1) {
        await response.body?.cancel().catch(() => undefined);
        continue;
      }
      const document = await readJson(response, MAX_METADATA_BYTES);
      if (response.status !== 200) {
        throw new BrokerCallError('http_status', `metadata discovery answered ${response.status}`, { status: response.status });
      }
      let metadata: AuthorizationServerMetadata;
      try {
        metadata = parseMetadata(document, issuer);
      } catch (error) {
        throw new BrokerCallError('invalid_response', (error as Error).message, { status: response.status });
      }
      const maxAgeMs = cacheMaxAgeMs(response.headers.get('cache-control')) ?? DEFAULT_CACHE_MS;
      cached = { metadata, freshUntilMs: now() + Math.min(MAX_CACHE_MS, Math.max(MIN_CACHE_MS, maxAgeMs)) };
      return metadata;
    }
    throw new BrokerCallError('invalid_response', 'no metadata document found');
  };

  return {
    issuer,
    async metadata() {
      if (cached && now() < cached.freshUntilMs) return cached.metadata;
      pending ??= load().finally(() => {
        pending = undefined;
      });
      try {
        return await pending;
      } catch (error) {
        if (cached) return cached.metadata;
        throw error;
      }
    },
  };
}
