/**
 * ES256 JWTs with node:crypto directly (no jose): the bench signs its attestations with it
 * before a run, and the floor server verifies and signs with it during one.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

export interface Es256Key {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK (never the private part: policies must not hold private keys). */
  publicJwk: Record<string, string>;
}

export function generateEs256(kid: string): Es256Key {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } };
}

export function privateJwk(key: Es256Key): Record<string, string> {
  return { ...(key.privateKey.export({ format: 'jwk' }) as Record<string, string>), kid: key.kid, alg: 'ES256' };
}

export function keyFromPrivateJwk(jwk: Record<string, string>): Es256Key {
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const kid = jwk.kid ?? 'k1';
  return { kid, privateKey, publicKey, publicJwk: { ...(publicKey.export({ format: 'jwk' }) as Record<string, string>), kid, alg: 'ES256' } };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signEs256(key: Es256Key, payload: Record<string, unknown>, typ = 'JWT'): string {
  const input = `${b64({ alg: 'ES256', kid: key.kid, typ })}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** Verify signature and exp; returns the payload or throws. */
export function verifyEs256(token: string, key: KeyObject, nowS: number): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('malformed');
  const [h, p, s] = parts as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  if (header.alg !== 'ES256') throw new Error('alg');
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) throw new Error('signature');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  if (typeof payload.exp !== 'number' || payload.exp <= nowS) throw new Error('expired');
  return payload;
}

export const uuid = randomUUID;
