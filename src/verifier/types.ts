/** The public shapes of the verifier. */
import type { FetchLike } from '../discovery/index.js';
import type { FeedLogger, RevocationOptions } from './revocation-types.js';

/**
 * One actor of an RFC 8693 §4.1 delegation chain: who acts, for whom. `act` lists them from
 * the current actor to the earliest.
 */
export interface Actor {
  sub: string;
  iss?: string;
  client_id?: string;
}

/** The verified caller, from an RFC 9068 access token of agent-sts. */
export interface AgentPrincipal {
  /** The agent (RFC 9068 `client_id`). */
  agent: string;
  /** The token's subject: the agent itself, or the party it acts for under delegation. */
  subject: string;
  owner: string;
  tier: string;
  intent: string;
  scopes: readonly string[];
  /** The delegation chain, when the token carries one. */
  act?: readonly Actor[];
  issuer: string;
  audience: string;
  tokenId: string;
  issuedAtMs: number;
  expiresAtMs: number;
  /** Every verified claim, for what the fields above do not cover. */
  claims: Readonly<Record<string, unknown>>;
}

/** What one call needs: every scope listed, and one of the intents when given. */
export interface Requirements {
  scopes?: readonly string[];
  intent?: string | readonly string[];
  /** Ask the broker whether the token is still active (RFC 7662), not only check it offline. */
  online?: boolean;
}

/** Sends a request with the resource server's own token (agent-sts/client's TokenClient fits). */
export interface BearerFetcher {
  fetch(input: string | URL, init: RequestInit | undefined, target: { audience: string; scope?: string; intent?: string }): Promise<Response>;
}

export interface VerifierOptions {
  issuer: string;
  /** This API's identifier: a token's `aud` must be exactly this. */
  audience: string;
  /** Allowed signing algorithms (default: the asymmetric JOSE ones). none and HS* are refused. */
  algorithms?: readonly string[];
  /** Leeway for exp, nbf and iat, in seconds (default 5, at most 60). */
  clockToleranceSeconds?: number;
  jwks?: {
    /** After a fetch, an unknown kid does not cause another one for this long (default 30 s). */
    cooldownMs?: number;
    /** The JWKS is kept at most this long, and never longer than the broker's Cache-Control max-age (default 10 min). */
    maxCacheAgeMs?: number;
  };
  /** RFC 7662 online checks: a client that gets this API a token for the broker with sts:introspect. */
  introspection?: { client: BearerFetcher; intent?: string; always?: boolean };
  /**
   * Revocations pushed by the broker (OpenID Shared Signals): a client that gets this API a token
   * for the broker with ssf:stream. Tokens of a suspended agent, a revoked jti, a revoked person or
   * a withdrawn key are then refused within seconds, without introspection.
   */
  revocations?: RevocationOptions;
  /** pino-compatible; gets no token, only what failed. */
  logger?: FeedLogger;
  timeoutMs?: number;
  fetch?: FetchLike;
  now?: () => number;
}
