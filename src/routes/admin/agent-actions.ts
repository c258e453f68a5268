/** The admin API's actions on one agent (the operations themselves are in agent-operations.ts, shared with the console). */
import type { BrokerContext } from '../../context.js';
import type { TypeBoxApp } from '../../http/index.js';
import { AGENT_OPERATIONS, runAgentOperation } from './agent-operations.js';
import type { OperatorGuard } from './guard.js';
import { AgentActionReply, AgentParams, OptionalReasonBody, ReasonBody } from './schemas.js';

export function registerAgentActions(app: TypeBoxApp, ctx: BrokerContext, guard: OperatorGuard): void {
  const operatorRole = guard.require('operator');
  for (const operation of AGENT_OPERATIONS) {
    const route = `/agents/:id/${operation}`;
    const respond = (request: Parameters<typeof guard.operator>[0], id: string, reason: string | null) =>
      runAgentOperation(ctx, operation, { request, operator: guard.operator(request), agentId: id, reason });
    if (operation === 'resume') {
      app.post(route, { preParsing: operatorRole, schema: { params: AgentParams, body: OptionalReasonBody, response: { 200: AgentActionReply } } },
        async (request) => respond(request, request.params.id, request.body?.reason ?? null));
    } else {
      app.post(route, { preParsing: operatorRole, schema: { params: AgentParams, body: ReasonBody, response: { 200: AgentActionReply } } },
        async (request) => respond(request, request.params.id, request.body.reason));
    }
  }
}
