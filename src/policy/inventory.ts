/**
 * buildInventory: the offline governance report (`agent-sts inventory`), one row
 * per agent, from the policy alone. Suspension lives in the store: offline, `state` is
 * pending, active or retired and `blocked_by` names only the policy's reasons; the live
 * inventory (src/admin) passes the store's suspensions in.
 */
import { agentStanding, type AgentRefusal, type AgentState } from './agent-state.js';
import { agentGovernance } from './governance.js';
import type { CompiledPolicy } from './types.js';

export interface InventoryRow {
  id: string;
  owner: string;
  owner_active: boolean;
  tier: string;
  status: 'active' | 'retired';
  state: AgentState;
  /** Why a token request is refused now (the token path's order); null when it is not. */
  blocked_by: AgentRefusal | null;
  orphaned: boolean;
  created_by: string;
  approved_by: string | null;
  reviewed_at: string;
  review_due_at: string;
  review_overdue: boolean;
  review_due_soon: boolean;
  intents: string[];
  audiences: string[];
  /** `issuer` (attested by a trusted issuer) and/or `keys` (the agent's own keys). */
  credential_kinds: Array<'issuer' | 'keys'>;
  issuers: string[];
  /** Some intent of the agent may be used on behalf of a person (on_behalf_of allowed or required). */
  acts_for_people: boolean;
  /** The audiences at which it receives delegated tokens it may exchange onward. */
  serves: string[];
}

/** `suspended`: the store's suspensions when known (the live inventory); offline, none. */
export function buildInventory(compiled: CompiledPolicy, nowMs: number, suspended: (agentId: string) => boolean = () => false): InventoryRow[] {
  return compiled.policy.agents.map((agent) => {
    const g = agentGovernance(agent, compiled, nowMs);
    const standing = agentStanding(g, suspended(agent.id));
    const kinds = new Set(agent.attestation.map((e) => e.kind));
    const issuers = agent.attestation.flatMap((e) => (e.kind === 'issuer' ? [e.issuer] : []));
    return {
      id: agent.id,
      owner: agent.owner,
      owner_active: compiled.ownersById.get(agent.owner)?.active ?? false,
      tier: agent.tier,
      status: agent.status,
      state: standing.state,
      blocked_by: standing.refusedBy,
      orphaned: standing.flags.orphaned,
      created_by: agent.createdBy,
      approved_by: agent.approvedBy ?? null,
      reviewed_at: agent.reviewedAt,
      review_due_at: new Date(g.reviewDueAtMs).toISOString(),
      review_overdue: standing.flags.review_overdue,
      review_due_soon: standing.flags.review_due_soon,
      intents: agent.intents.map((i) => i.name),
      audiences: [...new Set(agent.intents.map((i) => i.audience))],
      credential_kinds: (['issuer', 'keys'] as const).filter((k) => kinds.has(k)),
      issuers: [...new Set(issuers)],
      acts_for_people: agent.intents.some((i) => (i.onBehalfOf ?? 'forbidden') !== 'forbidden'),
      serves: [...(agent.serves ?? [])],
    };
  });
}
