/**
 * A person's token from one of the policy's `user_issuers` (an OIDC ID token or an RFC 9068
 * access token), presented as the subject of a delegation. The unverified `iss` selects the
 * issuer; the token is verified against that issuer's keys only, with its algorithm
 * allow-list and audience. Only what the person may delegate is read from it: their scopes
 * (`scope` or `scp`), their identity, its lifetime and RFC 8693 §4.4 `may_act`. The token
 * itself is never kept: only its SHA-256 and `jti`, for the audit trail.
 */
import { checkClaims, checkTyp, decodeJws, typRule, verifyWithKeySet, CLOCK_TOLERANCE_MS } from '../jws/index.js';
import type { UserIssuer } from '../policy/types.js';
import { sha256Hex } from './hash.js';
import { keySetFor } from './key-set.js';
import { failure, jwsRefused } from './result.js';
import type { AttestationContext, AttestationFailure } from './types.js';

/** RFC 8725 §3.11: a person's token is a plain JWT, an OIDC ID token or an RFC 9068 access token. */
const PERSON_TOKEN_TYP = typRule(['JWT', 'at+jwt'], { optional: true });
const MAX_SUBJECT = 1024;
const MAX_SCOPES = 256;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;

/** RFC 8693 §4.4: who the person allows to act for them. */
export interface MayAct {
  sub: string;
  iss?: string;
}

export interface PersonProof {
  ok: true;
  issuer: string;
  subject: string;
  /** What the person may delegate (RFC 6749 §3.3 scope tokens). */
  scopes: string[];
  issuedAtMs: number;
  expiresAtMs: number;
  jti?: string;
  mayAct?: MayAct;
  tokenHash: string;
}

export async function verifyPersonToken(token: string, ctx: AttestationContext): Promise<PersonProof | AttestationFailure> {
  const jws = decodeJws(token);
  if (!jws.ok) return jwsRefused(jws);
  const typ = checkTyp(jws.header, PERSON_TOKEN_TYP);
  if (typ) return jwsRefused(typ);
  const iss = jws.payload.iss;
  const issuer = typeof iss === 'string' ? ctx.policy.userIssuersByIss.get(iss) : undefined;
  if (!issuer) return failure('unknown_issuer', 'iss is not a user issuer');
  const keys = keySetFor(ctx, issuer);
  if ('ok' in keys) return jwsRefused(keys, { issuer: issuer.issuer });
  const refused = await verifyWithKeySet(jws, keys, issuer.algorithms);
  if (refused) return jwsRefused(refused, { issuer: issuer.issuer });
  const { payload } = jws;
  const nowMs = ctx.now();
  const claims = checkClaims(payload, {
    issuer: issuer.issuer,
    // RFC 8725 §3.9: the person's token must be meant for this broker.
    audience: { match: 'contains', value: issuer.audience },
    required: ['sub'],
    times: issuer.maxAgeMs === undefined ? { toleranceMs: CLOCK_TOLERANCE_MS } : { toleranceMs: CLOCK_TOLERANCE_MS, maxAgeMs: issuer.maxAgeMs },
    nowMs,
  });
  if (!claims.ok) return jwsRefused(claims, { issuer: issuer.issuer });
  return readPerson(issuer, payload, claims.times, sha256Hex(token));
}

function readPerson(issuer: UserIssuer, payload: Record<string, unknown>, times: { iat: number; exp: number }, tokenHash: string): PersonProof | AttestationFailure {
  const base = { issuer: issuer.issuer };
  const { sub, jti } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT) return failure('bad_claims', 'sub is not a bounded string', base);
  if (jti !== undefined && (typeof jti !== 'string' || jti.length > 256)) return failure('bad_claims', 'jti is not a bounded string', base);
  const claim = scopeClaimOf(issuer, payload);
  const scopes = delegableScopes(payload[claim]);
  if (scopes === null) return failure('bad_claims', `${claim} is malformed`, base);
  const mayAct = readMayAct(payload.may_act);
  if (mayAct === null) return failure('bad_claims', 'may_act is malformed', base);
  // RFC 8693 §4.1: `act` says someone already acts for the person. Those earlier actors belong
  // to the identity provider's namespace, not ours: carrying them on would put names we cannot
  // check into the chain, and dropping them would make the token look directly delegated.
  if (payload.act !== undefined) return failure('bad_claims', 'the person\'s token already names an actor (act): present a token issued to the person', base);
  return {
    ok: true, issuer: issuer.issuer, subject: sub, scopes,
    issuedAtMs: times.iat * 1000, expiresAtMs: times.exp * 1000,
    ...(typeof jti === 'string' ? { jti } : {}),
    ...(mayAct ? { mayAct } : {}),
    tokenHash,
  };
}

/**
 * The claim a user issuer keeps delegable scopes in. Unset in the policy, the standard `scope`
 * (RFC 9068 §2.2.3, RFC 8693 §4.2) when the token carries it, else `scp` (what several
 * identity providers issue): never both, so one cannot widen the other.
 */
function scopeClaimOf(issuer: UserIssuer, payload: Record<string, unknown>): 'scope' | 'scp' {
  if (issuer.scopeClaim !== 'either') return issuer.scopeClaim;
  return payload.scope !== undefined ? 'scope' : 'scp';
}

/** `scope` (space-delimited, RFC 9068 §2.2.3) or `scp` (an array); absent: nothing to delegate. */
function delegableScopes(value: unknown): string[] | null {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? value.split(' ').filter((s) => s !== '') : value;
  if (!Array.isArray(list) || list.length > MAX_SCOPES) return null;
  return list.every((s): s is string => typeof s === 'string' && SCOPE_TOKEN.test(s)) ? [...new Set(list)] : null;
}

/** RFC 8693 §4.4: an object naming the allowed actor (`sub`, optionally `iss`); undefined when absent. */
function readMayAct(value: unknown): MayAct | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { sub, iss } = value as Record<string, unknown>;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT) return null;
  if (iss !== undefined && typeof iss !== 'string') return null;
  return typeof iss === 'string' ? { sub, iss } : { sub };
}
