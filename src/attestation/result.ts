/** Builders for attestation results, shared by both verifiers. */
import type { CompiledPolicy } from '../policy/types.js';
import { identifyAgent } from './identify-agent.js';
import type { AttestationFailure, AttestationFailureReason } from './types.js';

export function failure(
  reason: AttestationFailureReason,
  detail: string,
  extra: Omit<AttestationFailure, 'ok' | 'reason' | 'detail'> = {},
): AttestationFailure {
  return { ok: false, reason, detail, ...extra };
}

/**
 * The agent a token's iss/sub (and bound claims) point to, so attestation failures of a known
 * identity can be flagged. Whether that is verified depends on whether the signature was:
 * the caller says so (agentVerified) and only a verified one may inform a decision.
 */
export function namedAgentId(policy: CompiledPolicy, payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { iss, sub } = payload as Record<string, unknown>;
  if (typeof iss !== 'string' || typeof sub !== 'string') return undefined;
  const found = identifyAgent(policy, iss, sub, payload as Record<string, unknown>);
  return found.ok ? found.agent.id : undefined;
}

export function errorPayload(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { payload?: unknown }).payload : undefined;
}
