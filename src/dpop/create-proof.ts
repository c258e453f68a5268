/**
 * Making a DPoP proof (RFC 9449 §4.2) with the client's own key: a fresh `jti` each time, the
 * request's method and URI (without query and fragment), `ath` when an access token is sent,
 * and the server's nonce when it asked for one. The private key never leaves the KeyObject.
 */
import { createPublicKey, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { accessTokenHash } from './ath.js';
import { normalizeHtu } from './htu.js';

export interface ProofKey {
  privateKey: KeyObject;
  alg: 'ES256' | 'EdDSA';
}

export interface ProofRequest {
  htm: string;
  htu: string;
  accessToken?: string;
  nonce?: string;
  /** Defaults to now. */
  iatS?: number;
}

/** The public JWK of a proof key, as it goes in the header (public members only). */
export function proofJwk(key: ProofKey): JsonWebKey {
  const { kty, crv, x, y } = createPublicKey(key.privateKey).export({ format: 'jwk' });
  return y === undefined ? { kty, crv, x } : { kty, crv, x, y };
}

export function createDpopProof(key: ProofKey, request: ProofRequest): string {
  const htu = normalizeHtu(request.htu);
  if (htu === null) throw new Error('the request URI is not an http(s) URL');
  const header = { typ: 'dpop+jwt', alg: key.alg, jwk: proofJwk(key) };
  const payload = {
    jti: randomUUID(),
    htm: request.htm,
    htu,
    iat: request.iatS ?? Math.floor(Date.now() / 1000),
    ...(request.accessToken !== undefined ? { ath: accessTokenHash(request.accessToken) } : {}),
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
  };
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = key.alg === 'ES256'
    ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }) // RFC 7518 §3.4
    : sign(null, Buffer.from(input), key.privateKey); // RFC 8037 §3.1
  return `${input}.${signature.toString('base64url')}`;
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
