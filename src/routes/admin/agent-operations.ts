/**
 * What an operator can do to one agent: suspend, resume, revoke. Shared by the admin API and
 * the console, so both write the same store records and the same audit events. Suspension
 * and revocation live in the store, so every instance sees them at once; a store that cannot
 * take the write answers 503, never success. A write resolves once the control keeper holds it
 * too (its copy and the state file): see `trackKeeping` for when it cannot.
 */
import type { FastifyRequest } from 'fastify';
import type { OperatorIdentity } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import { OAuthError } from '../../errors.js';
import { agentGovernance, agentStanding, type AgentRefusal, type AgentState } from '../../policy/index.js';
import { ControlNotDurableError } from '../../store/index.js';
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
  const keeping = trackKeeping(fields);
  const kept = keeping.write;
  let audited: boolean;
  if (operation === 'suspend') {
    const suspension = { atMs: ctx.clock(), by: operator.id, reason: input.reason as string };
    ({ audited } = await applyAction(ctx, request, operator, 'agent_suspended', fields, () => kept(ctx.store.suspendAgent(id, suspension)),
      () => ctx.securityEvents.emit({ kind: 'agent_suspended', agentId: id, atMs: suspension.atMs, initiator: 'admin' })));
  } else if (operation === 'resume') {
    requireAuditTrail(ctx); // resuming restores access: not without a record
    ({ audited } = await applyAction(ctx, request, operator, 'agent_resumed', fields, () => kept(ctx.store.resumeAgent(id))));
  } else {
    const atMs = ctx.clock();
    fields.tokens_revoked_before = null; // filled in by the write, read by the audit record either way
    ({ audited } = await applyAction(ctx, request, operator, 'agent_revoked', fields, async () => {
      // Suspend first: no new token can slip in between the revocation and the suspension.
      await kept(ctx.store.suspendAgent(id, { atMs, by: operator.id, reason: input.reason as string }));
      // A mint on another instance may have passed its state check just before the suspension
      // and sign just after, with its own clock: the revocation instant is taken once the
      // suspension is stored, plus a margin for clock skew between instances.
      const revokedBeforeMs = ctx.clock() + REVOCATION_SKEW_MS;
      fields.tokens_revoked_before = revokedBeforeMs;
      await kept(ctx.store.revokeAgentTokens(id, revokedBeforeMs));
      ctx.onRevoked('agent');
    }, () => ctx.securityEvents.emit({ kind: 'agent_revoked', agentId: id, atMs, initiator: 'admin' })));
  }
  keeping.confirm(operation);
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

/**
 * The store took the change, so it is in force everywhere, but the keeper could not keep it
 * (the state file cannot be written). An identity provider acknowledges a change only once it
 * is durable, so the operator gets a 503, never a 200: a retry is safe (the actions are
 * idempotent) and saves it. Yet the change is not undone nor the action's other writes skipped
 * (a revocation still revokes after its suspension was not kept), and it is audited as applied
 * with `kept: false`: cutting an agent off must not wait for a disk. A kept write keeps every
 * one before it (the keeper saves its whole copy), so the action's last write decides.
 */
function trackKeeping(fields: Record<string, unknown>) {
  let failure: ControlNotDurableError | undefined;
  return {
    async write(write: Promise<void>): Promise<void> {
      try {
        await write;
        failure = undefined;
        delete fields.kept;
      } catch (error) {
        if (!(error instanceof ControlNotDurableError)) throw error;
        failure = error;
        fields.kept = false;
      }
    },
    /** Once the action is audited and told to the receivers. */
    confirm(operation: AgentOperation): void {
      if (!failure) return;
      throw new OAuthError('temporarily_unavailable', `the change is in force but could not be saved to survive a store loss or a restart; ${operation} again to save it`, {
        reason: 'not_durable',
        internal: failure.message,
      });
    },
  };
}
