/** Builders for attestation results, shared by both verifiers. */
import type { JwsFailure, JwsFailureReason } from '../jws/index.js';
import type { CompiledPolicy } from '../policy/types.js';
import { identifyAgent } from './identify-agent.js';
import type { AttestationFailure, AttestationFailureReason } from './types.js';

type FailureExtra = Omit<AttestationFailure, 'ok' | 'reason' | 'detail'>;

export function failure(reason: AttestationFailureReason, detail: string, extra: FailureExtra = {}): AttestationFailure {
  return { ok: false, reason, detail, ...extra };
}

/** The attestation reason for each JWS reason; the JWS detail keeps the distinction for the log. */
const FROM_JWS: Readonly<Record<JwsFailureReason, AttestationFailureReason>> = {
  too_large: 'too_large',
  malformed: 'malformed',
  duplicate_member: 'malformed',
  refused_header: 'bad_header',
  wrong_typ: 'bad_header',
  alg_not_allowed: 'bad_signature',
  no_matching_key: 'bad_signature',
  bad_signature: 'bad_signature',
  keys_unavailable: 'keys_unavailable',
  no_keys: 'no_keys',
  bad_claims: 'bad_claims',
  expired: 'expired',
  not_yet_valid: 'not_yet_valid',
  issued_in_future: 'not_yet_valid',
  too_old: 'too_old',
};

export function jwsRefused(jws: JwsFailure, extra: FailureExtra = {}): AttestationFailure {
  const reason = FROM_JWS[jws.reason];
  return failure(reason, reason === jws.reason ? jws.detail : `${jws.reason}: ${jws.detail}`, extra);
}

/**
 * The agent a token's iss/sub (and bound claims) point to, so attestation failures of a known
 * identity can be flagged. Whether that is verified depends on whether the signature was:
 * the caller says so (agentVerified) and only a verified one may inform a decision.
 */
function namedAgentId(policy: CompiledPolicy, payload: Record<string, unknown>): string | undefined {
  const { iss, sub } = payload;
  if (typeof iss !== 'string' || typeof sub !== 'string') return undefined;
  const found = identifyAgent(policy, iss, sub, payload);
  return found.ok ? found.agent.id : undefined;
}

/** `agentId`/`agentVerified` for a failure about the agent `payload` names, if it names one. */
export function namedAgent(policy: CompiledPolicy, payload: Record<string, unknown>, verified: boolean): FailureExtra {
  const agentId = namedAgentId(policy, payload);
  return agentId ? { agentId, agentVerified: verified } : {};
}
