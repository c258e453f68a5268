/** Options of the verifier's revocation feed (OpenID Shared Signals), and what it is given. */
import type { FetchLike } from '../discovery/index.js';
import type { BrokerKeys } from './broker-keys.js';
import type { BearerFetcher } from './types.js';

export interface RevocationOptions {
  /** Gets this API its own token for the broker with scope ssf:stream (agent-sts/client's TokenClient fits). */
  client: BearerFetcher;
  /** The intent of that token, when the API's agent has several for the broker. */
  intent?: string;
  /** Push delivery (RFC 8935) to this URL, the API's own route (the fastify plugin serves it); default: poll (RFC 8936). */
  push?: { endpointUrl: string };
  /** The stream's description at the broker. */
  description?: string;
  /** Refuse every token (503) while the stream has not been heard from for this long (default: never). */
  failClosedAfterMs?: number;
  /** Push: how often a verification event proves the stream still works (default 60 s). */
  heartbeatMs?: number;
  /** Revocations remembered per kind (default 100,000); past it the oldest is folded into a floor (fail closed). */
  maxEntries?: number;
  /** The longest a broker token lives (default 1 h, the broker's hard maximum): how long a revocation is remembered. */
  maxTokenLifetimeMs?: number;
  /** Backoff between failed polls or subscriptions (default 500 ms doubling to 30 s). */
  retry?: { baseMs?: number; maxMs?: number };
}

export interface FeedLogger {
  warn?(fields: Record<string, unknown>, message: string): void;
}

export interface RevocationFeedDeps {
  issuer: string;
  algorithms: readonly string[];
  toleranceS: number;
  now: () => number;
  fetch: FetchLike;
  timeoutMs: number;
  keys: () => Promise<BrokerKeys>;
  logger?: FeedLogger;
}
