/**
 * Operator authentication for the admin API: `Authorization: Bearer <credential>`, either a
 * static operator key (policy `operators`) or a JWT from an `operator_issuers` entry.
 */
import type { CompiledPolicy } from '../policy/types.js';
import { looksLikeJwt, OperatorJwtError, verifyOperatorJwt, type OperatorKeySets } from './operator-jwt.js';
import type { OperatorIdentity } from './roles.js';
import { matchStaticKey } from './static-key.js';

const MAX_CREDENTIAL_BYTES = 8 * 1024;

type OperatorAuthResult =
  | { ok: true; identity: OperatorIdentity }
  /** `reason`: a fixed vocabulary for the audit trail; never the credential. */
  | { ok: false; reason: string };

/** RFC 6750 §2.1: `Bearer` (case-insensitive) and one token68 credential. */
export function bearerCredential(header: string | undefined): { credential: string } | { reason: string } {
  if (header === undefined || header === '') return { reason: 'no_credential' };
  if (header.length > MAX_CREDENTIAL_BYTES + 7) return { reason: 'credential_too_large' };
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  if (!match) return { reason: 'malformed_authorization' };
  return { credential: match[1] as string };
}

export async function authenticateOperator(
  header: string | undefined,
  policy: CompiledPolicy,
  keySets: OperatorKeySets,
  nowMs: number,
): Promise<OperatorAuthResult> {
  const parsed = bearerCredential(header);
  if ('reason' in parsed) return { ok: false, reason: parsed.reason };
  const { credential } = parsed;
  // Static keys first, always (constant time over every operator).
  const operator = matchStaticKey(credential, policy.policy.operators);
  if (operator) return { ok: true, identity: { id: operator.id, role: operator.role, method: 'key' } };
  if (!looksLikeJwt(credential) || policy.policy.operatorIssuers.length === 0) return { ok: false, reason: 'unknown_key' };
  try {
    return { ok: true, identity: await verifyOperatorJwt(credential, policy.policy.operatorIssuers, keySets, nowMs) };
  } catch (error) {
    if (error instanceof OperatorJwtError) return { ok: false, reason: error.reason };
    throw error;
  }
}
