/**
 * Metric label values come from the policy or a fixed vocabulary, never from request input:
 * anything else collapses to `other` (bounded cardinality).
 */
import type { DenialReason, ExchangeOutcome, GrantName } from '../context.js';
import type { CompiledPolicy } from '../policy/types.js';

export const OTHER = 'other';

const GRANTS: ReadonlySet<string> = new Set<GrantName>(['token_exchange', 'client_credentials', 'jwt_bearer', 'unsupported']);
const REASONS: ReadonlySet<string> = new Set<DenialReason>([
  'bad_request', 'attestation_invalid', 'replayed', 'no_agent', 'pending', 'retired', 'orphaned',
  'review_overdue', 'suspended', 'intent', 'scope', 'audience', 'rate_limited', 'unavailable', 'client_mismatch', 'delegation', 'dpop',
]);

/** Which delegation rule refused: the person's token, may_act, the chain, the intent, the depth... */
const DELEGATION_CHECKS: ReadonlySet<string> = new Set([
  'person_token', 'may_act', 'presented_token', 'not_served', 'actor_in_chain', 'actor_missing', 'not_actable',
  'person_revoked', 'presented_revoked', 'chain_ended', 'depth', 'intent_forbidden', 'person_required',
]);

/** The delegation rule that refused (`none` when issued or refused for another reason). */
export function delegationCheckLabel(outcome: Pick<ExchangeOutcome, 'result' | 'reason' | 'check'>): string {
  if (outcome.result === 'issued' || outcome.reason !== 'delegation') return 'none';
  return outcome.check !== undefined && DELEGATION_CHECKS.has(outcome.check) ? outcome.check : OTHER;
}

export function grantLabel(grant: string): string {
  return GRANTS.has(grant) ? grant : OTHER;
}

/** `none` for issued tokens, the fixed denial vocabulary otherwise. */
export function reasonLabel(outcome: Pick<ExchangeOutcome, 'result' | 'reason'>): string {
  if (outcome.result === 'issued') return 'none';
  return outcome.reason !== undefined && REASONS.has(outcome.reason) ? outcome.reason : OTHER;
}

/** A tier named in the policy, or '' when the request never got that far. */
export function tierLabel(tier: string | undefined, compiled: CompiledPolicy): string {
  if (tier === undefined) return '';
  return Object.hasOwn(compiled.policy.tiers, tier) ? tier : OTHER;
}

/** Agent and intent labels only for an agent, and one of its intents, in the current policy. */
export function issuedLabels(
  agentId: string | undefined,
  intent: string | undefined,
  compiled: CompiledPolicy,
): { agent: string; intent: string } {
  const agent = agentId === undefined ? undefined : compiled.agentsById.get(agentId);
  if (agent === undefined) return { agent: OTHER, intent: OTHER };
  const known = intent !== undefined && agent.intents.some((i) => i.name === intent);
  return { agent: agent.id, intent: known ? (intent as string) : OTHER };
}
