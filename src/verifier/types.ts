/** The public shapes of the verifier. */
import type { FetchLike } from '../discovery/index.js';
import type { ReplayGuard } from './replay-cache.js';
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
  /**
   * When the token is DPoP-bound (RFC 9449 §6.1 `cnf.jkt`): the RFC 7638 thumbprint of the key
   * it is bound to, which the request proved it holds.
   */
  jkt?: string;
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
  /** DPoP (RFC 9449) at this API: accepted by default next to Bearer; see DpopOptions. */
  dpop?: DpopOptions;
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

/**
 * DPoP-bound tokens (RFC 9449 §7): presented as `Authorization: DPoP <token>` with one `DPoP`
 * proof header for this very request, signed by the key the token is bound to.
 */
export interface DpopOptions {
  /** Refuse tokens that are not DPoP-bound (default false: bearer tokens too, but never a bound token as a bearer token). */
  required?: boolean;
  /** Proof algorithms accepted (default: the asymmetric JOSE ones). */
  algorithms?: readonly string[];
  /** How old a proof may be, by its iat, in seconds (default 60, at most 300). */
  proofMaxAgeSeconds?: number;
  /**
   * Where used proofs are remembered for that long: agent-sts's Store, or any store with an
   * atomic claim, shared by every instance of the API. Default: in this process's memory.
   */
  replay?: ReplayGuard;
  /** Bound of the in-memory replay cache (default 100 000 proofs); when full of live proofs, requests get 503. */
  replayCacheSize?: number;
  /**
   * RFC 9449 §9: proofs must carry a nonce of this API (`use_dpop_nonce` otherwise). `true` makes
   * a secret for this process; give the same `secret` (32 bytes or more) to every instance.
   */
  nonce?: boolean | { secret: Uint8Array; lifetimeSeconds?: number };
}

/** What verifyRequest needs of an HTTP request, in any framework. */
export interface RequestCredentials {
  method: string;
  /**
   * The absolute URI the client addressed, built from this API's configured public URL and the
   * request's path, never from a Host header the client controls (behind a proxy, the Host is
   * whatever the proxy or the client says).
   */
  url: string;
  /** Every Authorization header value (an array when the request repeats the header). */
  authorization: string | readonly string[] | undefined;
  /** Every DPoP header value. */
  dpop: string | readonly string[] | undefined;
}
