import type { KeyObject } from 'node:crypto';
import { keyFitsAlg, signWithAlg, type SigningAlg } from './algorithms.js';
import { jwkThumbprint } from '../jws/index.js';

/**
 * What signs a token. Three members, so a signer backed by a KMS or HSM fits later
 * (its `sign` would then be the only place the private key is used).
 */
export interface Signer {
  readonly kid: string;
  readonly alg: SigningAlg;
  sign(data: Buffer): Buffer;
}

/** A signer over a node:crypto private key; `kid` is the RFC 7638 thumbprint of its public key. */
export function createLocalSigner(privateKey: KeyObject, alg: SigningAlg): Signer {
  if (privateKey.type !== 'private') throw new Error('createLocalSigner needs a private key');
  const publicJwk = privateKey.export({ format: 'jwk' });
  if (!keyFitsAlg(publicJwk, alg)) throw new Error(`the key does not fit ${alg}`);
  const kid = jwkThumbprint(publicJwk);
  return Object.freeze({
    kid,
    alg,
    sign: (data: Buffer) => signWithAlg(alg, privateKey, data),
  });
}
