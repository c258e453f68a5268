import type { SigningAlg } from './algorithms.js';
import { signJwt } from './sign-jwt.js';
import type { Signer } from './signer.js';

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
}

/** RFC 9068 §2.1: `typ` is at+jwt so the token cannot pass for an ID token or attestation. */
export interface AccessTokenHeader {
  alg: SigningAlg;
  kid: string;
  typ: 'at+jwt';
}

interface AccessTokenInput {
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
}

export function buildAccessTokenClaims(input: AccessTokenInput): AccessTokenClaims {
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds <= 0) {
    throw new RangeError('ttlSeconds must be a positive integer');
  }
  const iat = Math.floor(input.issuedAtMs / 1000);
  return {
    iss: input.issuer,
    sub: input.agentId, // RFC 9068 §2.2: the agent is both subject and client
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
}

export function accessTokenHeader(signer: Signer): AccessTokenHeader {
  return { alg: signer.alg, kid: signer.kid, typ: 'at+jwt' };
}

/** Build the claims and sign them: the one call minting needs. */
export function mintAccessToken(input: AccessTokenInput, signer: Signer): { token: string; claims: AccessTokenClaims } {
  const claims = buildAccessTokenClaims(input);
  return { token: signJwt(accessTokenHeader(signer), claims, signer), claims };
}
