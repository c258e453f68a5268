/**
 * An agent that holds its own key proves itself with a fresh RFC 7523 assertion for every
 * request: iss = sub = the agent id, aud = the broker's issuer identifier as one string (not the
 * token endpoint, and never a list, so the assertion is worth nothing at another server),
 * a unique jti, and a lifetime of at most 60 s. It travels as a client assertion
 * (client_credentials with private_key_jwt, RFC 7523 §2.2).
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { TokenClientError } from './errors.js';
import type { AttestationSource } from './types.js';

export const MAX_ASSERTION_LIFETIME_S = 60;
const ASYMMETRIC = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];

export interface AgentKeyOptions {
  /** The agent's id in the broker's policy. */
  agentId: string;
  /** A private JWK (its `alg` and `kid` are used when present), a CryptoKey or a KeyObject. */
  privateKey: JWK | CryptoKey | KeyObject;
  alg?: string;
  /** Lets the broker pick the key among the agent's published ones. */
  kid?: string;
  /** Seconds, at most 60 (default 60). */
  lifetimeSeconds?: number;
}

export function agentKeyAttestation(options: AgentKeyOptions): AttestationSource {
  const jwk = isJwk(options.privateKey) ? options.privateKey : undefined;
  const alg = options.alg ?? jwk?.alg ?? (jwk ? algorithmFor(jwk) : undefined);
  if (!alg || !ASYMMETRIC.includes(alg)) throw new TypeError(`agentKeyAttestation: alg must be one of ${ASYMMETRIC.join(', ')}`);
  if (jwk && (jwk.kty === 'oct' || typeof jwk.d !== 'string')) throw new TypeError('agentKeyAttestation: privateKey must be an asymmetric private JWK');
  const lifetime = options.lifetimeSeconds ?? MAX_ASSERTION_LIFETIME_S;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_ASSERTION_LIFETIME_S) {
    throw new TypeError(`agentKeyAttestation: lifetimeSeconds must be a whole number from 1 to ${MAX_ASSERTION_LIFETIME_S}`);
  }
  const kid = options.kid ?? jwk?.kid;
  let key: Promise<CryptoKey | KeyObject | Uint8Array> | undefined;
  return {
    presentAs: 'client_assertion',
    async read({ issuer, nowMs }) {
      try {
        key ??= jwk ? importJWK(jwk, alg) : Promise.resolve(options.privateKey as CryptoKey | KeyObject);
        const iat = Math.floor(nowMs / 1000);
        return await new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
          .setIssuer(options.agentId)
          .setSubject(options.agentId)
          .setAudience(issuer)
          .setIssuedAt(iat)
          .setExpirationTime(iat + lifetime)
          .sign(await key);
      } catch (error) {
        key = undefined;
        throw new TokenClientError('attestation_unavailable', `cannot sign the agent assertion: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

function isJwk(key: unknown): key is JWK {
  return typeof key === 'object' && key !== null && typeof (key as { kty?: unknown }).kty === 'string';
}

/** The usual algorithm for a key type, when the JWK does not name one. */
function algorithmFor(jwk: JWK): string | undefined {
  if (jwk.kty === 'EC') return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv ?? ''];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'RSA') return 'RS256';
  return undefined;
}
