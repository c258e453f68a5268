/**
 * Suspend, resume and revoke from the console (operator role): a confirmation page with a
 * reason, then a POST that must carry the session's CSRF token and the confirmation. The
 * action itself is the admin API's (runAgentOperation): same store writes, same audit event,
 * with `channel: console`.
 */
import type { FastifyInstance } from 'fastify';
import { buildLiveInventory } from '../../admin/index.js';
import { confirmBody, isConsoleAction, reasonRequired } from '../../console/index.js';
import { OAuthError } from '../../errors.js';
import { runAgentOperation } from '../admin/index.js';
import { formField } from './form.js';
import type { ConsoleKit } from './kit.js';

const MAX_REASON = 500;

export function registerActionRoutes(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;
  const target = async (params: unknown) => {
    const { id, action } = params as { id: string; action: string };
    if (!isConsoleAction(action)) throw new OAuthError('not_found', 'no such action');
    const [row] = ctx.policy.current().agentsById.has(id) ? await buildLiveInventory(ctx.policy.current(), ctx.store, ctx.clock(), [id]) : [];
    if (!row) throw new OAuthError('not_found', 'no such agent in the policy');
    return { row, action };
  };

  app.get('/agents/:id/:action', { preHandler: kit.require('operator') }, async (request, reply) => {
    const { row, action } = await target(request.params);
    return kit.page(reply, request, `${action} ${row.id}`, confirmBody(row, action, kit.session(request).csrf), 'inventory');
  });

  app.post('/agents/:id/:action', { preHandler: [kit.require('operator'), kit.requireCsrf] }, async (request, reply) => {
    const { row, action } = await target(request.params);
    const session = kit.session(request);
    const body = request.body;
    const reason = formField(body, 'reason')?.trim() ?? '';
    const problem = formField(body, 'confirm') !== row.id
      ? 'Tick the confirmation to go ahead.'
      : reason === '' && reasonRequired(action)
        ? 'A reason is required.'
        : reason.length > MAX_REASON ? `The reason is longer than ${MAX_REASON} characters.` : null;
    if (problem) return kit.page(reply, request, `${action} ${row.id}`, confirmBody(row, action, session.csrf, problem), 'inventory', 400);
    await runAgentOperation(ctx, action, {
      request,
      operator: { id: session.operator.id, role: session.operator.role, method: session.operator.method, ...(session.operator.issuer ? { issuer: session.operator.issuer } : {}), ...(session.operator.email ? { email: session.operator.email } : {}) },
      agentId: row.id,
      reason: reason === '' ? null : reason,
      audit: { channel: 'console' },
    });
    return reply.redirect(`/console/agents/${encodeURIComponent(row.id)}?done=${action}`, 303);
  });
}
