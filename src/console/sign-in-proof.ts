/**
 * What an operator proved at sign-in, kept in the sealed session so the role is derived again
 * under the policy in force on every request, the way the admin API derives it from the same
 * credential on every call: a lowered role is lowered at once, a rotated key or a removed
 * mapping ends the session. OWASP ASVS v4.0.3 §3.3.4 / §4.1.3: authorization is enforced on
 * every request from current data, not from what held at sign-in.
 */
import { createHash } from 'node:crypto';
import { mapRole, MAX_ROLE_VALUES, roleAllows } from '../admin/index.js';
import type { OperatorIssuer, Policy, Role } from '../policy/index.js';

export type SignInProof =
  /** The SHA-256 of the key (what the policy holds), never the key. */
  | { method: 'key'; keySha256: string }
  /** The issuer and the role claim's values that mapped to a role when the token was verified. */
  | { method: 'oidc'; issuer: string; roleClaim: string; values: string[] };

/** Keeps the proof small enough for a cookie (an SSO may send hundreds of groups). */
const MAX_PROOF_CHARS = 1024;

export function keyProof(key: string): SignInProof {
  return { method: 'key', keySha256: createHash('sha256').update(key, 'utf8').digest('hex') };
}

/**
 * Only the values the policy mapped at sign-in are kept (bounded, the highest roles first): a
 * group the policy maps later grants nothing until the operator signs in again, which errs on
 * the side of less.
 */
export function signOnProof(issuer: OperatorIssuer, claim: unknown): SignInProof {
  const role = (v: string) => issuer.roles[v] as Role;
  const mapped = [...new Set(claimValues(claim).filter((v) => Object.hasOwn(issuer.roles, v)))]
    .sort((a, b) => Number(roleAllows(role(b), role(a))) - Number(roleAllows(role(a), role(b))));
  const values: string[] = [];
  let chars = 0;
  for (const v of mapped) {
    if (chars + v.length > MAX_PROOF_CHARS) break;
    values.push(v);
    chars += v.length;
  }
  return { method: 'oidc', issuer: issuer.issuer, roleClaim: issuer.roleClaim, values };
}

/** The role the proof earns under `policy`, or null when the credential it stands for is no longer accepted. */
export function roleUnderPolicy(policy: Pick<Policy, 'operators' | 'operatorIssuers'>, operatorId: string, proof: SignInProof): Role | null {
  if (proof.method === 'key') {
    // The hash comes from the sealed session, not from the caller: a plain comparison leaks nothing.
    const operator = policy.operators.find((o) => o.id === operatorId);
    return operator && operator.keySha256 === proof.keySha256 ? operator.role : null;
  }
  const issuer = policy.operatorIssuers.find((i) => i.issuer === proof.issuer);
  if (!issuer || issuer.roleClaim !== proof.roleClaim) return null;
  return mapRole(proof.values, issuer.roles);
}

/** The values mapRole reads at sign-in, no more: the session never earns more than the token would. */
function claimValues(claim: unknown): string[] {
  const values = typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim.slice(0, MAX_ROLE_VALUES) : [];
  return values.filter((v): v is string => typeof v === 'string');
}
