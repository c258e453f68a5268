/**
 * What an operator can do to one agent: suspend, resume, revoke. Shared by the admin API and
 * the console, so both write the same store records and the same audit events. Suspension
 * and revocation live in the store, so every instance sees them at once; a store that cannot
 * take the write answers 503, never success.
 */
import type { FastifyRequest } from 'fastify';
import type { OperatorIdentity } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import { OAuthError } from '../../errors.js';
import { agentGovernance, agentStanding, type AgentRefusal, type AgentState } from '../../policy/index.js';
import type { AgentControl } from '../../store/types.js';
import { applyAction, requireAuditTrail } from './record-action.js';

/** Clock skew allowed between broker instances when revoking everything an agent holds. */
const REVOCATION_SKEW_MS = 5_000;

export type AgentOperation = 'suspend' | 'resume' | 'revoke';
export const AGENT_OPERATIONS: readonly AgentOperation[] = ['suspend', 'resume', 'revoke'];

export interface AgentActionResult {
  agent: string;
  state: AgentState;
  blocked_by: AgentRefusal | null;
  suspension: { at: string; by: string; reason: string } | null;
  tokens_revoked_before: string | null;
  audited: boolean;
}

export interface AgentOperationInput {
  request: FastifyRequest;
  operator: OperatorIdentity;
  agentId: string;
  /** Required to suspend and revoke; optional to resume. */
  reason: string | null;
  /** Extra audit fields, e.g. which channel (the console) the operator used. */
  audit?: Record<string, unknown>;
}

export function knownAgent(ctx: BrokerContext, id: string): string {
  if (!ctx.policy.current().agentsById.has(id)) throw new OAuthError('not_found', 'no such agent in the policy');
  return id;
}

export async function runAgentOperation(ctx: BrokerContext, operation: AgentOperation, input: AgentOperationInput): Promise<AgentActionResult> {
  const id = knownAgent(ctx, input.agentId);
  const { request, operator } = input;
  if (operation !== 'resume' && !input.reason) throw new OAuthError('invalid_request', `a reason is required to ${operation} an agent`);
  const fields: Record<string, unknown> = { ...input.audit, agent: id, reason: input.reason };
  let audited: boolean;
  if (operation === 'suspend') {
    const suspension = { atMs: ctx.clock(), by: operator.id, reason: input.reason as string };
    ({ audited } = await applyAction(ctx, request, operator, 'agent_suspended', fields, () => ctx.store.suspendAgent(id, suspension)));
    ctx.securityEvents.emit({ kind: 'agent_suspended', agentId: id, atMs: suspension.atMs, initiator: 'admin' });
  } else if (operation === 'resume') {
    requireAuditTrail(ctx); // resuming restores access: not without a record
    ({ audited } = await applyAction(ctx, request, operator, 'agent_resumed', fields, () => ctx.store.resumeAgent(id)));
  } else {
    const atMs = ctx.clock();
    fields.tokens_revoked_before = null; // filled in by the write, read by the audit record either way
    ({ audited } = await applyAction(ctx, request, operator, 'agent_revoked', fields, async () => {
      // Suspend first: no new token can slip in between the revocation and the suspension.
      await ctx.store.suspendAgent(id, { atMs, by: operator.id, reason: input.reason as string });
      // A mint on another instance may have passed its state check just before the suspension
      // and sign just after, with its own clock: the revocation instant is taken once the
      // suspension is stored, plus a margin for clock skew between instances.
      const revokedBeforeMs = ctx.clock() + REVOCATION_SKEW_MS;
      fields.tokens_revoked_before = revokedBeforeMs;
      await ctx.store.revokeAgentTokens(id, revokedBeforeMs);
      ctx.onRevoked('agent');
    }));
    ctx.securityEvents.emit({ kind: 'agent_revoked', agentId: id, atMs, initiator: 'admin' });
  }
  return actionResult(ctx, id, await ctx.store.getAgentControl(id), audited);
}

/** The agent's state after the action, named as in the inventory (one agentStanding). */
function actionResult(ctx: BrokerContext, id: string, control: AgentControl, audited: boolean): AgentActionResult {
  const compiled = ctx.policy.current();
  const agent = compiled.agentsById.get(id);
  const standing = agent ? agentStanding(agentGovernance(agent, compiled, ctx.clock()), control.suspended !== null) : null;
  const s = control.suspended;
  return {
    agent: id,
    state: standing?.state ?? (s ? 'suspended' : 'active'),
    blocked_by: standing?.refusedBy ?? null,
    suspension: s ? { at: new Date(s.atMs).toISOString(), by: s.by, reason: s.reason } : null,
    tokens_revoked_before: control.revokedBeforeMs === null ? null : new Date(control.revokedBeforeMs).toISOString(),
    audited,
  };
}
