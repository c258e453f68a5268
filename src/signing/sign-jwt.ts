import type { Signer } from './signer.js';
import type { SigningAlg } from './algorithms.js';

interface JwsHeader {
  alg: SigningAlg;
  kid: string;
  typ?: string;
}

function encodeJson(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * RFC 7515 §7.1 compact serialisation: BASE64URL(header) . BASE64URL(payload) . BASE64URL(signature),
 * the signature over the ASCII of the first two parts. The header must name the signer's
 * alg and kid: a header that disagrees with the key is a bug, never silently fixed.
 */
export function signJwt(header: JwsHeader, payload: object, signer: Signer): string {
  if (header.alg !== signer.alg || header.kid !== signer.kid) {
    throw new Error('signJwt: the header alg/kid do not match the signer');
  }
  const signingInput = `${encodeJson(header)}.${encodeJson(payload)}`;
  const signature = signer.sign(Buffer.from(signingInput, 'ascii'));
  return `${signingInput}.${signature.toString('base64url')}`;
}
