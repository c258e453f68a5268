import { createHash, type JsonWebKey } from 'node:crypto';

/** The public members of a JWK, by key type: the only ones a JWKS may carry. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'], // RFC 8037 §2
  RSA: ['e', 'kty', 'n'],
};

/**
 * Copy only the public members (an allow-list, so a private member such as `d`, `p`
 * or `qi` can never leak into a JWKS whatever the input holds).
 */
export function publicJwkMembers(jwk: JsonWebKey): Record<string, string> {
  const names = typeof jwk.kty === 'string' ? PUBLIC_MEMBERS[jwk.kty] : undefined;
  if (!names) throw new Error(`unsupported JWK key type ${String(jwk.kty)}`);
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '') throw new Error(`JWK is missing its "${name}" member`);
    out[name] = value;
  }
  return out;
}

/**
 * RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace,
 * base64url. Synchronous (jose's calculateJwkThumbprint is async); the tests check both agree.
 */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = publicJwkMembers(jwk);
  // PUBLIC_MEMBERS lists each type's names already sorted, and JSON.stringify keeps insertion order.
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
