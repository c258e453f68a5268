/**
 * The shapes of attestation: plain data in, plain data out. The caller (the token
 * endpoint) turns a failure into one opaque OAuth error and logs `reason`/`detail`.
 */
import type { JWTVerifyGetKey } from 'jose';
import type { Clock } from '../clock.js';
import type { Agent, CompiledPolicy, TrustedIssuer } from '../policy/types.js';
import type { VerifiedTokenCache } from './verified-token-cache.js';

export type AttestationKind = 'issuer' | 'keys';

/** Where verification keys come from: inline (jwks_file, policy keys) or a jwks_uri. */
export type KeySource = Pick<TrustedIssuer, 'jwks' | 'jwksUri' | 'jwksTokenFile'>;

/**
 * Resolves configured verification keys (the long-lived JWKS cache) for trusted issuers,
 * agents' own keys and operator sign-on issuers alike.
 */
export interface IssuerKeyResolver {
  /** Null when the source has neither inline keys nor a jwks_uri. */
  forIssuer(source: KeySource): JWTVerifyGetKey | null;
}

export interface AttestationContext {
  policy: CompiledPolicy;
  now: Clock;
  /** The broker's own `iss`: its tokens are never accepted as attestations. */
  stsIssuer: string;
  /**
   * The token endpoint URL. Never an accepted `aud` (draft-ietf-oauth-rfc7523bis: the issuer
   * identifier only); when given, a refusal for it says so in the log, to help clients migrate.
   */
  tokenEndpoint?: string;
  keys: IssuerKeyResolver;
  cache?: VerifiedTokenCache;
}

export interface ReplayClaim {
  key: string;
  ttlMs: number;
  /** When the proof was made: a claim from before the store's epoch may have been lost with it. */
  issuedAtMs: number;
}

export interface AttestationSuccess {
  ok: true;
  agent: Agent;
  kind: AttestationKind;
  issuer: string;
  subject: string;
  jti?: string;
  issuedAtMs: number;
  expiresAtMs: number;
  /** Present when the attestation may be used once: the caller claims it in the store. */
  replay?: ReplayClaim;
  /** SHA-256 hex of the token: the only form of it that may be logged. */
  tokenHash: string;
}

export type AttestationFailureReason =
  | 'too_large'
  | 'malformed'
  /** A JOSE header this kind of token may not carry (`typ`, `crit`, `b64`, `zip`, `cty`). */
  | 'bad_header'
  | 'broker_token'
  | 'unknown_issuer'
  | 'bad_signature'
  | 'bad_claims'
  | 'expired'
  | 'not_yet_valid'
  | 'too_old'
  | 'no_agent'
  | 'ambiguous'
  | 'no_keys'
  | 'keys_unavailable';

export interface ShadowIdentity {
  issuer: string;
  subject: string;
  /** Non-secret, size-bounded claims (see filterShadowClaims). */
  claims: Record<string, unknown>;
}

export interface AttestationFailure {
  ok: false;
  reason: AttestationFailureReason;
  /** For the log only; never contains a token or key material. */
  detail: string;
  /** With `no_agent`: a verified identity no agent claims (shadow-agent discovery). */
  shadow?: ShadowIdentity;
  /** The known agent the failing attestation points to, if any. */
  agentId?: string;
  /**
   * True when `agentId` comes from a verified signature; false when it was only used to
   * select the keys (an agent assertion with a bad signature). Anyone can name an agent,
   * so only a verified one should count towards suspending it.
   */
  agentVerified?: boolean;
  issuer?: string;
}

export type AttestationResult = AttestationSuccess | AttestationFailure;

/** RFC 8725 §3.2: only asymmetric algorithms; never `none` or HS*. */
export { VERIFIABLE_ALGORITHMS as ASYMMETRIC_ALGORITHMS } from '../jws/index.js';
/** Tokens over this size are refused before any parsing. */
export { CLOCK_TOLERANCE_MS, MAX_JWS_BYTES as MAX_TOKEN_BYTES } from '../jws/index.js';
/** An agent assertion lives at most 5 minutes (exp - iat). */
export const MAX_ASSERTION_LIFETIME_S = 300;
