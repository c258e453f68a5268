/**
 * The client's side of DPoP (RFC 9449): one key pair per client, made in memory when the client
 * is created and never written out or shown, a proof for every request that carries a DPoP
 * token or asks for one, and the last nonce each server gave (§8 at the broker, §9 at APIs).
 */
import { generateKeyPairSync } from 'node:crypto';
import { createDpopProof, type ProofKey } from '../dpop/index.js';

export type DpopAlgorithm = ProofKey['alg'];

/** Servers whose nonce is kept; the one heard from longest ago goes first. */
const MAX_ORIGINS = 64;
/** RFC 9449 §8.1: nonce = 1*NQCHAR; bounded here. */
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]{1,512}$/;

export interface DpopProofs {
  /** A proof for one request (§4.2): `ath` when a token goes with it, the origin's last nonce when it gave one. */
  proof(method: string, url: URL, accessToken?: string): string;
  /** Keeps the DPoP-Nonce a server answered with; true when the next proof to it carries a new one. */
  remember(url: URL, response: Response): boolean;
}

export function createDpopProofs(alg: DpopAlgorithm, now: () => number): DpopProofs {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const key: ProofKey = { privateKey: pair.privateKey, alg };
  const nonces = new Map<string, string>();
  return {
    proof(method, url, accessToken) {
      const nonce = nonces.get(url.origin);
      return createDpopProof(key, {
        htm: method,
        htu: url.href,
        iatS: Math.floor(now() / 1000),
        ...(accessToken !== undefined ? { accessToken } : {}),
        ...(nonce !== undefined ? { nonce } : {}),
      });
    },
    remember(url, response) {
      const nonce = response.headers.get('dpop-nonce');
      if (nonce === null || !NONCE.test(nonce) || nonces.get(url.origin) === nonce) return false;
      nonces.delete(url.origin);
      nonces.set(url.origin, nonce);
      if (nonces.size > MAX_ORIGINS) nonces.delete(nonces.keys().next().value as string);
      return true;
    },
  };
}

/** The method as fetch sends it (Fetch §2.2.1 normalizes only these six), which `htm` must equal. */
export function requestMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  const upper = method.toUpperCase();
  return ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'].includes(upper) ? upper : method;
}
