/** The verification keys of an issuer or an agent's keys entry, from the process-wide resolver. */
import type { JWTVerifyGetKey } from 'jose';
import { jwsFailure, type JwsFailure } from '../jws/index.js';
import type { AttestationContext, KeySource } from './types.js';

export function keySetFor(ctx: AttestationContext, source: KeySource): JWTVerifyGetKey | JwsFailure {
  try {
    return ctx.keys.forIssuer(source) ?? jwsFailure('no_keys', 'no keys configured');
  } catch {
    // An unusable inline JWKS is a configuration fault the policy check should have caught.
    return jwsFailure('no_keys', 'the configured key set cannot be loaded');
  }
}
