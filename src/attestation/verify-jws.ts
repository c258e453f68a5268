/**
 * Compact JWS (RFC 7515) verification of a JWT (RFC 7519) with node:crypto, on the
 * calling thread. jose's jwtVerify checks signatures with WebCrypto, which Node runs on
 * the libuv thread pool: every attestation then crossed two threads and waited for a
 * pool slot, the largest source of tail latency on a busy broker. Keys still come from
 * jose's key sets (JWKS parsing, `kid`/`alg` matching, remote fetching); only the
 * signature and claim checks are done here. Errors are jose's own classes, so callers map
 * them exactly as they would map jwtVerify's.
 */
import { KeyObject, constants, verify as verifySignature, webcrypto } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import { errors } from 'jose';
import type { InspectedToken, JsonObject } from './inspect-token.js';

export interface JwtVerifyRules {
  /** RFC 8725 §3.1: the algorithms this caller accepts. */
  algorithms: readonly string[];
  issuer: string;
  /** The token's `aud` must contain at least one of these. */
  audience: string | readonly string[];
  subject?: string;
  requiredClaims: readonly string[];
  nowMs: number;
  clockToleranceS: number;
}

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

const HASH_BYTES: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

// jose hands out WebCrypto keys; node:crypto wants KeyObjects. Converted once per key:
// key sets keep their imported keys, so this map stays as small as the configured JWKS.
const keyObjects = new WeakMap<object, KeyObject>();

function toKeyObject(key: unknown): KeyObject {
  if (key instanceof KeyObject) return key;
  if (typeof key !== 'object' || key === null) throw new errors.JOSENotSupported('verification key is not a key object');
  let converted = keyObjects.get(key);
  if (!converted) {
    try {
      converted = KeyObject.from(key as webcrypto.CryptoKey); // throws unless a CryptoKey
    } catch (cause) {
      throw new errors.JOSENotSupported('verification key is not a key object', { cause });
    }
    keyObjects.set(key, converted);
  }
  return converted;
}

function checkKeyFits(alg: string, params: AlgorithmParams, key: KeyObject): void {
  const type = key.asymmetricKeyType;
  // RFC 8725 §3.1: a key is used only with the algorithm family it was made for.
  if (key.type !== 'public' || type === undefined || !params.keyTypes.includes(type)) {
    throw new errors.JWSSignatureVerificationFailed(`key type does not fit ${alg}`);
  }
  const details = key.asymmetricKeyDetails;
  if (params.curve !== undefined && details?.namedCurve !== params.curve) {
    throw new errors.JWSSignatureVerificationFailed(`key curve does not fit ${alg}`);
  }
  if (type.startsWith('rsa') && (details?.modulusLength ?? 0) < RSA_MIN_MODULUS_BITS) {
    throw new errors.JWSSignatureVerificationFailed(`${alg} needs an RSA key of at least ${RSA_MIN_MODULUS_BITS} bits`);
  }
}

function signatureMatches(params: AlgorithmParams, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  const options = params.curve !== undefined
    ? { key, dsaEncoding: 'ieee-p1363' as const } // RFC 7518 §3.4: R || S, not DER
    : params.pss
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[params.hash ?? ''] ?? 0 } // RFC 7518 §3.5
      : params.padding !== undefined ? { key, padding: params.padding } : key;
  try {
    return verifySignature(params.hash, signingInput, options, signature);
  } catch {
    return false; // a malformed signature (wrong length, bad encoding) is just a wrong one
  }
}

/**
 * Resolves the key and checks the signature over the token's first two segments. The
 * header was decoded by inspectToken from the same bytes that are verified here.
 */
export async function verifyJwsSignature(token: string, inspected: InspectedToken, getKey: JWTVerifyGetKey, algorithms: readonly string[]): Promise<void> {
  const { header } = inspected;
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.length === 0) throw new errors.JWSInvalid('JWS "alg" header is missing');
  const params = ALGORITHMS.get(alg);
  // RFC 8725 §3.1 / §2.1: the allow-list decides, never the token; `none` and HS* are never here.
  if (!params || !algorithms.includes(alg)) throw new errors.JOSEAlgNotAllowed('"alg" header value not allowed');
  // RFC 7515 §4.1.11: no extension is understood here, so any `crit` means refusal.
  if (header.crit !== undefined) throw new errors.JOSENotSupported('"crit" header names an extension this broker does not understand');

  const dot = token.lastIndexOf('.');
  const protectedPart = token.slice(0, token.indexOf('.'));
  const key = toKeyObject(await getKey({ ...header, alg }, { protected: protectedPart, payload: token.slice(protectedPart.length + 1, dot), signature: token.slice(dot + 1) }));
  checkKeyFits(alg, params, key);
  // RFC 7515 §5.2: the signing input is the ASCII of the first two segments as sent.
  const signingInput = Buffer.from(token.slice(0, dot), 'latin1');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  if (!signatureMatches(params, key, signingInput, signature)) throw new errors.JWSSignatureVerificationFailed();
}

function claimFailed(message: string, payload: JsonObject, claim: string, reason: string): never {
  throw new errors.JWTClaimValidationFailed(message, payload, claim, reason);
}

function audienceMatches(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === 'string') return accepted.includes(aud);
  return Array.isArray(aud) && aud.some((value) => typeof value === 'string' && accepted.includes(value));
}

function numericDate(payload: JsonObject, claim: 'iat' | 'nbf' | 'exp'): number | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) claimFailed(`"${claim}" claim must be a number`, payload, claim, 'invalid');
  return value;
}

/** RFC 7519 §7.2 step 10 and §4.1: the registered claims this caller requires. */
export function checkJwtClaims(payload: JsonObject, rules: JwtVerifyRules): void {
  const required = new Set([...rules.requiredClaims, 'iss', 'aud']);
  if (rules.subject !== undefined) required.add('sub');
  for (const claim of required) {
    if (payload[claim] === undefined) claimFailed(`missing required "${claim}" claim`, payload, claim, 'missing');
  }
  // RFC 7519 §4.1.1 / RFC 8725 §3.8: the issuer is compared exactly.
  if (payload.iss !== rules.issuer) claimFailed('unexpected "iss" claim value', payload, 'iss', 'check_failed');
  if (rules.subject !== undefined && payload.sub !== rules.subject) claimFailed('unexpected "sub" claim value', payload, 'sub', 'check_failed');
  // RFC 7519 §4.1.3 / RFC 8725 §3.9: aud must name us.
  const accepted = typeof rules.audience === 'string' ? [rules.audience] : rules.audience;
  if (!audienceMatches(payload.aud, accepted)) claimFailed('unexpected "aud" claim value', payload, 'aud', 'check_failed');

  const nowS = rules.nowMs / 1000;
  const tolerance = rules.clockToleranceS;
  numericDate(payload, 'iat');
  const nbf = numericDate(payload, 'nbf');
  if (nbf !== undefined && nbf > nowS + tolerance) claimFailed('"nbf" claim timestamp check failed', payload, 'nbf', 'check_failed');
  const exp = numericDate(payload, 'exp');
  // RFC 7519 §4.1.4: not accepted on or after exp (with the allowed skew).
  if (exp !== undefined && exp <= nowS - tolerance) throw new errors.JWTExpired('"exp" claim timestamp check failed', payload, 'exp', 'check_failed');
}

/** Signature first, then claims: nothing in the payload is trusted before the signature. */
export async function verifyCompactJwt(token: string, inspected: InspectedToken, getKey: JWTVerifyGetKey, rules: JwtVerifyRules): Promise<JsonObject> {
  await verifyJwsSignature(token, inspected, getKey, rules.algorithms);
  checkJwtClaims(inspected.payload, rules);
  return inspected.payload;
}
