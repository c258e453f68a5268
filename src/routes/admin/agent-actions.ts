/**
 * Operator actions on one agent. Suspension and revocation live in the store, so every
 * instance sees them at once; a store that cannot take the write answers 503, never success
 * (issue 3: writes fail loudly).
 */
import type { TSchema } from '@sinclair/typebox';
import type { BrokerContext } from '../../context.js';
import { OAuthError } from '../../errors.js';
import type { TypeBoxApp } from '../../http/index.js';
import type { AgentControl } from '../../store/types.js';
import type { OperatorGuard } from './guard.js';
import { applyAction, requireAuditTrail } from './record-action.js';
import { AgentActionReply, AgentParams, OptionalReasonBody, ReasonBody } from './schemas.js';

/** Clock skew allowed between broker instances when revoking everything an agent holds. */
const REVOCATION_SKEW_MS = 5_000;

export function registerAgentActions(app: TypeBoxApp, ctx: BrokerContext, guard: OperatorGuard): void {
  const operatorRole = guard.require('operator');
  const knownAgent = (id: string): string => {
    if (!ctx.policy.current().agentsById.has(id)) throw new OAuthError('not_found', 'no such agent in the policy');
    return id;
  };
  const reply = (id: string, control: AgentControl, audited: boolean) => ({
    agent: id,
    state: control.suspended ? 'suspended' : 'not_suspended',
    suspension: control.suspended
      ? { at: new Date(control.suspended.atMs).toISOString(), by: control.suspended.by, reason: control.suspended.reason }
      : null,
    tokens_revoked_before: control.revokedBeforeMs === null ? null : new Date(control.revokedBeforeMs).toISOString(),
    audited,
  });
  const schema = <Body extends TSchema>(body: Body) => ({ params: AgentParams, body, response: { 200: AgentActionReply } });

  app.post('/agents/:id/suspend', { preParsing: operatorRole, schema: schema(ReasonBody) }, async (request) => {
    const id = knownAgent(request.params.id);
    const operator = guard.operator(request);
    const { reason } = request.body;
    const atMs = ctx.clock();
    const { audited } = await applyAction(ctx, request, operator, 'agent_suspended', { agent: id, reason },
      () => ctx.store.suspendAgent(id, { atMs, by: operator.id, reason }));
    return reply(id, await ctx.store.getAgentControl(id), audited);
  });

  app.post('/agents/:id/resume', { preParsing: operatorRole, schema: schema(OptionalReasonBody) }, async (request) => {
    const id = knownAgent(request.params.id);
    const operator = guard.operator(request);
    const reason = request.body?.reason ?? null;
    requireAuditTrail(ctx); // resuming restores access: not without a record
    const { audited } = await applyAction(ctx, request, operator, 'agent_resumed', { agent: id, reason }, () => ctx.store.resumeAgent(id));
    return reply(id, await ctx.store.getAgentControl(id), audited);
  });

  app.post('/agents/:id/revoke', { preParsing: operatorRole, schema: schema(ReasonBody) }, async (request) => {
    const id = knownAgent(request.params.id);
    const operator = guard.operator(request);
    const { reason } = request.body;
    const atMs = ctx.clock();
    // Filled in by the write, read by the audit record either way.
    const fields: Record<string, unknown> = { agent: id, reason, tokens_revoked_before: null };
    const { audited } = await applyAction(ctx, request, operator, 'agent_revoked', fields, async () => {
      // Suspend first: no new token can slip in between the revocation and the suspension.
      await ctx.store.suspendAgent(id, { atMs, by: operator.id, reason });
      // A mint on another instance may have passed its state check just before the suspension
      // and sign just after, with its own clock: the revocation instant is taken once the
      // suspension is stored, plus a margin for clock skew between instances.
      const revokedBeforeMs = ctx.clock() + REVOCATION_SKEW_MS;
      fields.tokens_revoked_before = revokedBeforeMs;
      await ctx.store.revokeAgentTokens(id, revokedBeforeMs);
      ctx.onRevoked('agent');
    });
    return reply(id, await ctx.store.getAgentControl(id), audited);
  });
}
