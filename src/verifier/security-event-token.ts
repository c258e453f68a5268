/**
 * Verifying a Security Event Token from the broker (RFC 8417, SSF §4.1) before anything in it
 * is believed: at most 16 KiB, signed by a key of the broker's JWKS under an allowed
 * algorithm, `typ` secevent+jwt, `iss` exactly the broker, `aud` exactly this receiver's stream
 * audience, no `sub` and no `exp` (SSF §4.1.2, §4.1.5: it is not an access token), an `iat`
 * neither in the future nor older than a token can live (an older event changes nothing), a
 * `jti`, and one `events` object. A failure carries the RFC 8935 §2.4 error code to answer with.
 */
import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { isJsonObject } from '../discovery/index.js';

const SET_TYP = 'secevent+jwt';
const MAX_SET_BYTES = 16 * 1024;

export type SetErrorCode = 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience';

export class SetError extends Error {
  constructor(readonly err: SetErrorCode, readonly description: string, options?: { cause?: unknown }) {
    super(`${err}: ${description}`, options);
    this.name = 'SetError';
  }
}

export interface SetRules {
  issuer: string;
  audience: string;
  algorithms: readonly string[];
  toleranceS: number;
  nowMs: number;
  /** Events older than this are refused: every token they could be about has expired. */
  maxAgeMs: number;
}

export interface SetClaims {
  jti: string;
  iat: number;
  sub_id?: unknown;
  events: Record<string, Record<string, unknown>>;
}

export async function verifySecurityEventToken(set: string, getKey: JWTVerifyGetKey, rules: SetRules): Promise<SetClaims> {
  if (set.length > MAX_SET_BYTES || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(set)) throw new SetError('invalid_request', 'not a compact JWS of acceptable size');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(set, getKey, {
      issuer: rules.issuer,
      audience: rules.audience,
      typ: SET_TYP,
      algorithms: [...rules.algorithms],
      clockTolerance: rules.toleranceS,
      currentDate: new Date(rules.nowMs),
      requiredClaims: ['iss', 'aud', 'iat', 'jti'],
    }));
  } catch (error) {
    throw setFailure(error);
  }
  if ('sub' in payload || 'exp' in payload) throw new SetError('invalid_request', 'a SET carries neither sub nor exp');
  const iat = payload.iat as number;
  if (iat * 1000 > rules.nowMs + rules.toleranceS * 1000) throw new SetError('invalid_request', 'issued in the future');
  if (iat * 1000 < rules.nowMs - rules.maxAgeMs - rules.toleranceS * 1000) throw new SetError('invalid_request', 'too old to matter');
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) throw new SetError('invalid_request', 'no usable jti');
  const events = payload.events;
  if (!isJsonObject(events) || Object.keys(events).length === 0 || !Object.values(events).every(isJsonObject)) {
    throw new SetError('invalid_request', 'no events object');
  }
  return { jti: payload.jti, iat, sub_id: payload.sub_id, events: events as Record<string, Record<string, unknown>> };
}

function setFailure(error: unknown): SetError {
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return new SetError('invalid_issuer', 'the SET is from another issuer', { cause: error });
    if (error.claim === 'aud') return new SetError('invalid_audience', 'the SET is for another receiver', { cause: error });
    return new SetError('invalid_request', `the SET's ${error.claim} claim is not acceptable`, { cause: error });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys
    || error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new SetError('invalid_key', 'the SET is not signed by a key of the broker', { cause: error });
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return new SetError('invalid_request', 'a malformed SET', { cause: error });
  // The broker's keys could not be fetched: the SET may be fine, so it is worth another try.
  return new SetError('invalid_key', 'the broker\'s keys are not available to check the SET', { cause: error });
}
