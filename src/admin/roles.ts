/** Operator roles, ordered: each role may do everything the roles below it may. */
import type { Role } from '../policy/types.js';

const RANK: Record<Role, number> = { auditor: 1, operator: 2, admin: 3 };

export function roleAllows(held: Role, required: Role): boolean {
  return RANK[held] >= RANK[required];
}

/** The highest of the roles, or null for none. */
export function highestRole(roles: Iterable<Role>): Role | null {
  let best: Role | null = null;
  for (const role of roles) if (best === null || RANK[role] > RANK[best]) best = role;
  return best;
}

/** Who is calling the admin API: recorded with every action in the audit trail. */
export interface OperatorIdentity {
  /** The policy's operator id, or the OIDC `sub`. */
  id: string;
  /** Null: authenticated, but no role mapped (every admin route answers 403). */
  role: Role | null;
  method: 'key' | 'oidc';
  /** OIDC only. */
  issuer?: string;
  email?: string;
}
