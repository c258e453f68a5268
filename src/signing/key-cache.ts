import { createPublicKey, type KeyObject } from 'node:crypto';
import { privateKeyFromJwk, type SigningAlg } from './algorithms.js';
import { publicJwkMembers } from '../jws/index.js';
import type { RingKey } from './ring-state.js';
import { createLocalSigner, type Signer } from './signer.js';

/** A key as published in the JWKS: public members only. */
export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  kid: string;
  alg: SigningAlg;
  use: 'sig';
}

interface CachedKey {
  signer: Signer;
  publicKey: KeyObject;
  publicJwk: PublicJwk;
}

/** KeyObjects built once per kid from the ring's JWKs (importing a key costs more than a signature). */
export class KeyCache {
  private readonly byKid = new Map<string, CachedKey>();

  get(key: RingKey): CachedKey {
    let cached = this.byKid.get(key.kid);
    if (!cached) {
      const privateKey = privateKeyFromJwk(key.privateJwk);
      const signer = createLocalSigner(privateKey, key.alg);
      if (signer.kid !== key.kid) throw new Error('a ring key does not match its kid');
      const publicJwk: PublicJwk = { ...publicJwkMembers(key.privateJwk) as { kty: string }, kid: key.kid, alg: key.alg, use: 'sig' };
      cached = { signer, publicKey: createPublicKey(privateKey), publicJwk };
      this.byKid.set(key.kid, cached);
    }
    return cached;
  }

  /** Forget keys no longer in the ring (bounded by the ring's size). */
  retain(kids: ReadonlySet<string>): void {
    for (const kid of this.byKid.keys()) if (!kids.has(kid)) this.byKid.delete(kid);
  }
}
