/**
 * JWS signature verification with node:crypto. `verifySignature` runs on the calling thread;
 * `verifySignatureOffThread` hands the arithmetic to the process's verification thread
 * (verification-thread.ts), so the event loop goes on with other requests meanwhile and the
 * broker uses a second core. Signing stays on the event loop: moving it would add a second
 * hand-over to every token. WebCrypto, what jose's jwtVerify uses, runs on libuv's pool, but
 * its key and promise plumbing cost more than the pool saved.
 */
import { KeyObject, constants, verify as verifySignatureBytes, webcrypto } from 'node:crypto';
import { createVerificationThread, type VerificationJob, type VerificationOptions } from './verification-thread.js';
import { jwsFailure, type DecodedJws, type JwsFailure } from './types.js';

interface AlgorithmParams {
  hash: string | null;
  keyTypes: readonly string[];
  curve?: string;
  padding?: number;
  pss?: boolean;
}

const RSA_MIN_MODULUS_BITS = 2048; // RFC 7518 §3.3 and §3.5

/** The JWS algorithms verified here (RFC 7518 §3, RFC 8037 §3.1, RFC 9864 for Ed25519). */
const ALGORITHMS: ReadonlyMap<string, AlgorithmParams> = new Map<string, AlgorithmParams>([
  ['ES256', { hash: 'sha256', keyTypes: ['ec'], curve: 'prime256v1' }],
  ['ES384', { hash: 'sha384', keyTypes: ['ec'], curve: 'secp384r1' }],
  ['ES512', { hash: 'sha512', keyTypes: ['ec'], curve: 'secp521r1' }],
  ['RS256', { hash: 'sha256', keyTypes: ['rsa'], padding: constants.RSA_PKCS1_PADDING }],
  ['RS384', { hash: 'sha384', keyTypes: ['rsa'], padding: constants.RSA_PKCS1_PADDING }],
  ['RS512', { hash: 'sha512', keyTypes: ['rsa'], padding: constants.RSA_PKCS1_PADDING }],
  ['PS256', { hash: 'sha256', keyTypes: ['rsa', 'rsa-pss'], pss: true }],
  ['PS384', { hash: 'sha384', keyTypes: ['rsa', 'rsa-pss'], pss: true }],
  ['PS512', { hash: 'sha512', keyTypes: ['rsa', 'rsa-pss'], pss: true }],
  ['EdDSA', { hash: null, keyTypes: ['ed25519'] }],
  ['Ed25519', { hash: null, keyTypes: ['ed25519'] }],
]);

/** RFC 8725 §3.2: only asymmetric algorithms exist here; never `none` or HS*. */
export const VERIFIABLE_ALGORITHMS: readonly string[] = Object.freeze([...ALGORITHMS.keys()]);

const HASH_BYTES: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

// Key sets hand out WebCrypto keys; node:crypto wants KeyObjects. Converted once per key:
// key sets keep their imported keys, so this map stays as small as the configured JWKS.
const keyObjects = new WeakMap<object, KeyObject>();

/** A KeyObject for a key a key set returned, or null when it is neither kind of key. */
export function toKeyObject(key: unknown): KeyObject | null {
  if (key instanceof KeyObject) return key;
  if (typeof key !== 'object' || key === null) return null;
  let converted = keyObjects.get(key);
  if (!converted) {
    try {
      converted = KeyObject.from(key as webcrypto.CryptoKey); // throws unless a CryptoKey
    } catch {
      return null;
    }
    keyObjects.set(key, converted);
  }
  return converted;
}

function keyMisfit(alg: string, params: AlgorithmParams, key: KeyObject): string | null {
  const type = key.asymmetricKeyType;
  // RFC 8725 §3.1: a key is used only with the algorithm family it was made for.
  if (key.type !== 'public' || type === undefined || !params.keyTypes.includes(type)) return `key type does not fit ${alg}`;
  const details = key.asymmetricKeyDetails;
  if (params.curve !== undefined && details?.namedCurve !== params.curve) return `key curve does not fit ${alg}`;
  if (type.startsWith('rsa') && (details?.modulusLength ?? 0) < RSA_MIN_MODULUS_BITS) return `${alg} needs an RSA key of at least ${RSA_MIN_MODULUS_BITS} bits`;
  return null;
}

/** The verify options besides the key: how the signature bytes are laid out. */
function verifyOptions(params: AlgorithmParams): VerificationOptions {
  if (params.curve !== undefined) return { dsaEncoding: 'ieee-p1363' }; // RFC 7518 §3.4: R || S, not DER
  if (params.pss) return { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[params.hash ?? ''] ?? 0 }; // RFC 7518 §3.5
  return params.padding !== undefined ? { padding: params.padding } : {};
}

function verifyJobHere(job: VerificationJob): boolean {
  try {
    return verifySignatureBytes(job.hash, Buffer.from(job.signingInput, 'latin1'), { key: job.key, ...job.options }, Buffer.from(job.signature, 'base64url'));
  } catch {
    return false; // a malformed signature (wrong length, bad encoding) is just a wrong one
  }
}

// One per process, like libuv's pool: started on first use, idle threads keep nothing alive.
const verificationThread = createVerificationThread(verifyJobHere);

/**
 * What both forms check before any arithmetic: the algorithm is known and the key fits it.
 * RFC 7515 §5.2: the signing input is the ASCII of the first two segments as sent.
 */
function jobFor(jws: DecodedJws, key: KeyObject): { failure: JwsFailure } | { job: VerificationJob } {
  const { alg } = jws.header;
  const params = ALGORITHMS.get(alg);
  if (!params) return { failure: jwsFailure('alg_not_allowed', '"alg" is not a verifiable algorithm') };
  const misfit = keyMisfit(alg, params, key);
  if (misfit !== null) return { failure: jwsFailure('bad_signature', misfit) };
  return { job: { hash: params.hash, key, options: verifyOptions(params), signingInput: jws.signingInput, signature: jws.signature } };
}

const signatureMismatch = (): JwsFailure => jwsFailure('bad_signature', 'signature does not verify');

/**
 * Checks the signature of a decoded JWS under its header's `alg` with one key. The caller
 * has already checked `alg` against its allow-list and chosen the key from its own
 * configuration (never from the token, RFC 8725 §3.10).
 */
export function verifySignature(jws: DecodedJws, key: KeyObject): JwsFailure | null {
  const prepared = jobFor(jws, key);
  if ('failure' in prepared) return prepared.failure;
  return verifyJobHere(prepared.job) ? null : signatureMismatch();
}

/** `verifySignature` with the arithmetic on the verification thread. */
export async function verifySignatureOffThread(jws: DecodedJws, key: KeyObject): Promise<JwsFailure | null> {
  const prepared = jobFor(jws, key);
  if ('failure' in prepared) return prepared.failure;
  return (await verificationThread.verify(prepared.job)) ? null : signatureMismatch();
}
