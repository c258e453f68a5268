/**
 * Operator sign-on JWTs (OIDC ID tokens) from the policy's `operator_issuers`. The unverified
 * `iss` only selects the issuer (exact match); the signature is then checked against that
 * issuer's keys only, with its algorithm allow-list, audience, and exp/nbf (60 s tolerance).
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { createIssuerKeyResolver, type IssuerKeyResolver, type IssuerKeyResolverOptions } from '../attestation/index.js';
import type { OperatorIssuer, Role } from '../policy/types.js';
import { highestRole, type OperatorIdentity } from './roles.js';

const CLOCK_TOLERANCE_S = 60;
const MAX_REMOTE_SETS = 32;
const MAX_ROLE_VALUES = 256;

export class OperatorJwtError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.name = 'OperatorJwtError';
    this.reason = reason;
  }
}

/** Caches the issuers' key sets for the process (a policy reload does not refetch them). */
export type OperatorKeySets = IssuerKeyResolver;

/**
 * The same bounded cache as attestation issuers: cool-down on unknown kids, back-off after a
 * failed fetch; `fetch` for an SSO behind a private CA, `onFetch` for issuer key health.
 */
export function createOperatorKeySets(options: Pick<IssuerKeyResolverOptions, 'cooldownMs' | 'timeoutMs' | 'fetch' | 'onFetch'> = {}): OperatorKeySets {
  return createIssuerKeyResolver({ ...options, maxRemoteSets: MAX_REMOTE_SETS });
}

export function looksLikeJwt(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(credential);
}

export async function verifyOperatorJwt(
  token: string,
  issuers: readonly OperatorIssuer[],
  keySets: OperatorKeySets,
  nowMs: number,
): Promise<OperatorIdentity> {
  let iss: unknown;
  let typ: unknown;
  try {
    iss = decodeJwt(token).iss; // unverified: selects the issuer only
    typ = decodeProtectedHeader(token).typ;
  } catch {
    throw new OperatorJwtError('malformed_jwt');
  }
  const issuer = issuers.find((i) => i.issuer === iss);
  if (!issuer) throw new OperatorJwtError('unknown_issuer');
  // An access token (RFC 9068 §2.1, typ at+jwt) is meant for a resource server, not as a sign-on.
  if (typeof typ === 'string' && /^(application\/)?at\+jwt$/i.test(typ)) throw new OperatorJwtError('access_token_typ');
  const keys = keySets.forIssuer(issuer);
  if (!keys) throw new OperatorJwtError('no_issuer_keys');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: issuer.issuer,
      audience: issuer.audience,
      algorithms: issuer.algorithms,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(nowMs),
      requiredClaims: ['exp', 'sub'],
    }));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new OperatorJwtError(typeof code === 'string' ? code : 'jwt_invalid');
  }
  const sub = payload.sub as string;
  const email = typeof payload.email === 'string' ? payload.email.slice(0, 256) : undefined;
  return {
    id: sub.slice(0, 256),
    role: mapRole(payload[issuer.roleClaim], issuer.roles),
    method: 'oidc',
    issuer: issuer.issuer,
    ...(email ? { email } : {}),
  };
}

/** The highest role among the claim's values (a string or an array of strings). */
export function mapRole(value: unknown, roles: Readonly<Record<string, Role>>): Role | null {
  const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value.slice(0, MAX_ROLE_VALUES) : [];
  const mapped: Role[] = [];
  for (const v of values) {
    if (typeof v === 'string' && Object.hasOwn(roles, v)) mapped.push(roles[v] as Role);
  }
  return highestRole(mapped);
}
