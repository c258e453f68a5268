/**
 * Compact JWS signed by hand over exact JSON text, for what libraries refuse to produce:
 * repeated member names, escaped names, `b64`, `zip` or `crit` headers. The signature is
 * genuine, so only the rule under test can refuse the token.
 */
import { KeyObject, sign, webcrypto } from 'node:crypto';
import type { CryptoKey } from 'jose';

const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** A JSON text from an object, or the text itself when given as a string (to keep duplicates). */
function jsonText(value: string | object): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Anything that signs bytes as its algorithm requires (the broker's own signers fit). */
export interface ByteSigner {
  sign(data: Buffer): Buffer;
}

function byteSigner(key: CryptoKey | KeyObject | ByteSigner): ByteSigner {
  if ('sign' in key && typeof key.sign === 'function') return key;
  const privateKey = key instanceof KeyObject ? key : KeyObject.from(key as unknown as webcrypto.CryptoKey);
  // ES256 (RFC 7518 §3.4, R || S) or EdDSA (RFC 8037 §3.1, no pre-hash).
  return privateKey.asymmetricKeyType === 'ec'
    ? { sign: (data) => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }) }
    : { sign: (data) => sign(null, data, privateKey) };
}

/** BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature), over the text as given. */
export function signRawJws(header: string | object, payload: string | object, key: CryptoKey | KeyObject | ByteSigner): string {
  const input = `${encode(jsonText(header))}.${encode(jsonText(payload))}`;
  return `${input}.${byteSigner(key).sign(Buffer.from(input, 'ascii')).toString('base64url')}`;
}
