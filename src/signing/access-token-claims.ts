import type { SigningAlg } from './algorithms.js';
import { signJwt } from './sign-jwt.js';
import type { Signer } from './signer.js';

/**
 * RFC 8693 §4.1: the actor, and the actors before it nested inside. An agent is named by its
 * policy id: the broker is the authority for agent identities.
 */
export interface ActClaim {
  sub: string;
  act?: ActClaim;
}

/**
 * RFC 8693 §4.4: the one party the person allowed to act for them, carried from their token
 * into every token built on it, so that no later hop admits another actor.
 */
export interface MayActClaim {
  sub: string;
  iss?: string;
}

/** RFC 9068 §2.2 claims, plus the broker's own intent, tier and owner. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  client_id: string;
  scope: string;
  intent: string;
  tier: string;
  owner: string;
  /** Delegation: the agents acting (`sub` is then the person, or the agent, acted for). */
  act?: ActClaim;
  /**
   * Delegation: the issuer of the person named by `sub`, so that two identity providers'
   * subjects are never confused (the broker's own issuer when `sub` is an agent).
   */
  subject_issuer?: string;
  /** Delegation from a person's token that named its actor (RFC 8693 §4.4). */
  may_act?: MayActClaim;
  /** RFC 9449 §6.1: the token is bound to the key with this RFC 7638 thumbprint (DPoP). */
  cnf?: { jkt: string };
}

/** RFC 9068 §2.1: `typ` is at+jwt so the token cannot pass for an ID token or attestation. */
export interface AccessTokenHeader {
  alg: SigningAlg;
  kid: string;
  typ: 'at+jwt';
}

export interface AccessTokenInput {
  issuer: string;
  agentId: string;
  audience: string;
  scopes: readonly string[];
  intent: string;
  tier: string;
  owner: string;
  jti: string;
  issuedAtMs: number;
  /** Lifetime in whole seconds; the ring's maxTokenTtlMs must cover it. */
  ttlSeconds: number;
  /** Delegation: whom the token acts for, and the actor chain. */
  onBehalfOf?: { subject: string; subjectIssuer: string; act: ActClaim; mayAct?: MayActClaim };
  /** DPoP: the thumbprint of the key the token is bound to. */
  boundToJkt?: string;
}

export function buildAccessTokenClaims(input: AccessTokenInput): AccessTokenClaims {
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds <= 0) {
    throw new RangeError('ttlSeconds must be a positive integer');
  }
  const iat = Math.floor(input.issuedAtMs / 1000);
  const base = {
    iss: input.issuer,
    // RFC 9068 §2.2: the agent is both subject and client, unless it acts for someone (RFC 8693 §4.1).
    sub: input.onBehalfOf ? input.onBehalfOf.subject : input.agentId,
    aud: input.audience,
    exp: iat + input.ttlSeconds,
    nbf: iat,
    iat,
    jti: input.jti,
    client_id: input.agentId,
    scope: input.scopes.join(' '), // RFC 8693 §4.2: space-separated
    intent: input.intent,
    tier: input.tier,
    owner: input.owner,
  };
  if (!input.onBehalfOf && input.boundToJkt === undefined) return base;
  const claims: AccessTokenClaims = input.onBehalfOf ? { ...base, act: input.onBehalfOf.act, subject_issuer: input.onBehalfOf.subjectIssuer } : base;
  if (input.onBehalfOf?.mayAct) claims.may_act = { ...input.onBehalfOf.mayAct };
  if (input.boundToJkt !== undefined) claims.cnf = { jkt: input.boundToJkt };
  return claims;
}

export function accessTokenHeader(signer: Signer): AccessTokenHeader {
  return { alg: signer.alg, kid: signer.kid, typ: 'at+jwt' };
}

/** Build the claims and sign them: the one call minting needs. */
export function mintAccessToken(input: AccessTokenInput, signer: Signer): { token: string; claims: AccessTokenClaims } {
  const claims = buildAccessTokenClaims(input);
  return { token: signJwt(accessTokenHeader(signer), claims, signer), claims };
}
