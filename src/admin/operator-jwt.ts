/**
 * Operator sign-on JWTs (OIDC ID tokens) from the policy's `operator_issuers`. The unverified
 * `iss` only selects the issuer (exact match); the signature is then checked against that
 * issuer's keys only, with its algorithm allow-list, audience, and exp/nbf/iat (60 s tolerance).
 */
import { createIssuerKeyResolver, type IssuerKeyResolver, type IssuerKeyResolverOptions } from '../attestation/index.js';
import { checkClaims, checkTyp, CLOCK_TOLERANCE_MS, decodeJws, typRule, verifyWithKeySet, type JwsFailure } from '../jws/index.js';
import type { OperatorIssuer, Role } from '../policy/types.js';
import { highestRole, type OperatorIdentity } from './roles.js';

const MAX_REMOTE_SETS = 32;
/** Values of the role claim read (an SSO may send hundreds of groups). */
export const MAX_ROLE_VALUES = 256;

/**
 * RFC 8725 §3.11: an ID token is a plain JWT (identity providers send `JWT` or no `typ`); an
 * access token (`at+jwt`, meant for a resource server), a logout token or any other kind the
 * same provider signs is not a sign-on.
 */
const ID_TOKEN_TYP = typRule(['JWT'], { optional: true });

export class OperatorJwtError extends Error {
  /** A JWS failure reason (see jws/types.ts) or `unknown_issuer`: the audit trail's vocabulary. */
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.name = 'OperatorJwtError';
    this.reason = reason;
  }
}

function refuse(failure: JwsFailure): never {
  throw new OperatorJwtError(failure.reason);
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
  const jws = decodeJws(token);
  if (!jws.ok) refuse(jws);
  const issuer = issuers.find((i) => i.issuer === jws.payload.iss); // unverified: selects the issuer only
  if (!issuer) throw new OperatorJwtError('unknown_issuer');
  const typ = checkTyp(jws.header, ID_TOKEN_TYP);
  if (typ) refuse(typ);
  const keys = keySets.forIssuer(issuer);
  if (!keys) throw new OperatorJwtError('no_keys');
  const badSignature = await verifyWithKeySet(jws, keys, issuer.algorithms);
  if (badSignature) refuse(badSignature);
  const { payload } = jws;
  const claims = checkClaims(payload, {
    issuer: issuer.issuer,
    audience: { match: 'contains', value: issuer.audience }, // OpenID Connect Core §3.1.3.7 item 3
    required: ['sub'],
    times: { toleranceMs: CLOCK_TOLERANCE_MS },
    nowMs,
  });
  if (!claims.ok) refuse(claims);
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new OperatorJwtError('bad_claims');
  const email = typeof payload.email === 'string' ? payload.email.slice(0, 256) : undefined;
  return {
    id: payload.sub.slice(0, 256),
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
