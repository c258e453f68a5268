/** The admin API's actions on one agent (the operations themselves are in agent-operations.ts, shared with the console). */
import type { FastifyInstance } from 'fastify';
import type { BrokerContext } from '../../context.js';
import { AGENT_OPERATIONS, runAgentOperation } from './agent-operations.js';
import type { OperatorGuard } from './guard.js';
import { AgentActionReply, AgentParams, OptionalReasonBody, ReasonBody } from './schemas.js';

export function registerAgentActions(app: FastifyInstance, ctx: BrokerContext, guard: OperatorGuard): void {
  const operatorRole = guard.require('operator');
  for (const operation of AGENT_OPERATIONS) {
    const body = operation === 'resume' ? OptionalReasonBody : ReasonBody;
    app.post(`/agents/:id/${operation}`, {
      onRequest: operatorRole,
      schema: { params: AgentParams, body, response: { 200: AgentActionReply } },
    }, async (request) => {
      const { id } = request.params as AgentParams;
      const reason = (request.body as OptionalReasonBody)?.reason ?? null;
      return runAgentOperation(ctx, operation, { request, operator: guard.operator(request), agentId: id, reason });
    });
  }
}
