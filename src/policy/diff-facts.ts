/**
 * The facts of attestation issuers, people's issuers, operator sign-on issuers and operators
 * that a policy diff compares, and how a changed fact counts: a new fact widens, a ranked fact
 * widens when its rank rises, any other change moves trust elsewhere (widens). Pure.
 */
import type { JSONWebKeySet } from 'jose';
import { formatDuration } from '../duration.js';
import type { Change } from './diff.js';
import { keyId } from './effective-access.js';
import type { OperatorIssuer, Policy, TrustedIssuer, UserIssuer } from './types.js';

/** A fact about an issuer or operator; `rank`, when present, orders its values by how much they grant. */
interface Fact {
  text: string;
  rank?: number;
}
export type Facts = Map<string, Fact>;

const ROLE_RANK: Record<string, number> = { auditor: 1, operator: 2, admin: 3 };
const fact = (text: string, rank?: number): Fact => (rank === undefined ? { text } : { text, rank });
const role = (r: string): Fact => fact(r, ROLE_RANK[r]);

/** A jwks_uri, or the keys themselves (by thumbprint): the same keys from another folder are no change. */
function keySource(i: { jwksUri?: string; jwks?: JSONWebKeySet }): Fact {
  return fact(i.jwksUri ?? `keys ${(i.jwks?.keys ?? []).map(keyId).sort().join(', ')}`);
}

export function allIssuerFacts(p: Policy): Map<string, Facts> {
  return new Map([...p.issuers.map(issuerFacts), ...p.userIssuers.map(userIssuerFacts), ...p.operatorIssuers.map(operatorIssuerFacts)]);
}

function issuerFacts(i: TrustedIssuer): [string, Facts] {
  return [`issuer ${i.issuer}`, new Map<string, Fact>([
    ['keys from', keySource(i)],
    ['audience', fact(i.audience)],
    ...i.algorithms.map((alg) => [`algorithm ${alg}`, fact('allowed')] as [string, Fact]),
    ['max_age', fact(formatDuration(i.maxAgeMs), i.maxAgeMs)],
    // Reusable attestations grant more than single-use ones.
    ['single_use', fact(String(i.singleUse), i.singleUse ? 0 : 1)],
    // A token minted for several audiences can be replayed here by any of them.
    ['exclusive_audience', fact(String(i.exclusiveAudience), i.exclusiveAudience ? 0 : 1)],
  ])];
}

/** Where people's tokens come from: every agent that acts for people accepts them. */
function userIssuerFacts(i: UserIssuer): [string, Facts] {
  return [`user issuer ${i.issuer}`, new Map<string, Fact>([
    ['keys from', keySource(i)],
    ['audience', fact(i.audience)],
    ...i.algorithms.map((alg) => [`algorithm ${alg}`, fact('allowed')] as [string, Fact]),
    // Without max_age a person's token is accepted however old it is.
    ['max_age', i.maxAgeMs === undefined ? fact('none', Number.POSITIVE_INFINITY) : fact(formatDuration(i.maxAgeMs), i.maxAgeMs)],
    ['scope claim', fact(i.scopeClaim)],
  ])];
}

function operatorIssuerFacts(i: OperatorIssuer): [string, Facts] {
  return [`operator sign-on ${i.issuer}`, new Map<string, Fact>([
    ['keys from', keySource(i)],
    ['audience', fact(i.audience)],
    ...i.algorithms.map((alg) => [`algorithm ${alg}`, fact('allowed')] as [string, Fact]),
    ['role claim', fact(i.roleClaim)],
    ...Object.entries(i.roles).map(([value, r]) => [`${i.roleClaim} ${value}`, role(r)] as [string, Fact]),
  ])];
}

export function operatorFacts(o: { role: string; keySha256: string }): Facts {
  // A new key is a new credential: it widens (the old one stops working).
  return new Map([['role', role(o.role)], ['key sha256', fact(`${o.keySha256.slice(0, 12)}...`)]]);
}

/** A new fact widens; a ranked fact widens when its rank rises; any other change moves trust elsewhere (widens). */
export function factChanges(before: Facts | undefined, after: Facts | undefined): Change[] {
  const changes: Change[] = [];
  const a = before ?? new Map<string, Fact>();
  const b = after ?? new Map<string, Fact>();
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const old = a.get(key);
    const now = b.get(key);
    if (old?.text === now?.text) continue;
    const widens = now !== undefined && (old === undefined || old.rank === undefined || now.rank === undefined || now.rank > old.rank);
    changes.push({ sign: widens ? '+' : '-', what: `${key}: ${old?.text ?? '(none)'} -> ${now?.text ?? '(none)'}` });
  }
  return changes;
}
