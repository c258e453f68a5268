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
export type KeySource = Pick<TrustedIssuer, 'jwks' | 'jwksUri'>;

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
  /** The token endpoint URL, an accepted `aud` of agent assertions (RFC 7523 §3 item 3). */
  tokenEndpoint: string;
  keys: IssuerKeyResolver;
  cache?: VerifiedTokenCache;
}

export interface ReplayClaim {
  key: string;
  ttlMs: number;
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
export const ASYMMETRIC_ALGORITHMS: readonly string[] = Object.freeze([
  'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
]);

/** Tokens over this size are refused before any parsing. */
export const MAX_TOKEN_BYTES = 16_384;
export const CLOCK_TOLERANCE_S = 60;
export const CLOCK_TOLERANCE_MS = CLOCK_TOLERANCE_S * 1000;
/** An agent assertion lives at most 5 minutes (exp - iat). */
export const MAX_ASSERTION_LIFETIME_S = 300;
