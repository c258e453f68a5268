/** Auditor routes: inventory, one agent, discovered shadow agents, the audit stream. */
import { Type } from '@sinclair/typebox';
import { buildLiveInventory, filterInventory, inventoryCsv, joinAgentState } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import { OAuthError } from '../../errors.js';
import type { TypeBoxApp } from '../../http/index.js';
import { buildInventory } from '../../policy/index.js';
import type { OperatorGuard } from './guard.js';
import { AgentDetail, AgentParams, AuditList, AuditQuery, InventoryRowSchema, ListAgentsQuery, ShadowList } from './schemas.js';
import { agentDetail, inventoryFilter, parseSince, prefersCsv } from './views.js';

const DEFAULT_AUDIT_LIMIT = 100;

export function registerReadRoutes(app: TypeBoxApp, ctx: BrokerContext, guard: OperatorGuard): void {
  const auditor = guard.require('auditor');

  app.get('/agents', {
    preParsing: auditor,
    schema: {
      querystring: ListAgentsQuery,
      response: {
        200: {
          content: {
            'application/json': { schema: Type.Object({ agents: Type.Array(InventoryRowSchema) }) },
            'text/csv': { schema: Type.String() },
          },
        },
      },
    },
  }, async (request, reply) => {
    const q = request.query;
    const rows = await buildLiveInventory(ctx.policy.current(), ctx.store, ctx.clock());
    const filtered = filterInventory(rows, inventoryFilter(q));
    void reply.header('cache-control', 'no-store');
    if (q.format === 'csv' || (q.format === undefined && prefersCsv(request.headers.accept))) {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="agents.csv"').send(inventoryCsv(filtered));
    }
    return reply.type('application/json').send({ agents: filtered });
  });

  app.get('/agents/:id', {
    preParsing: auditor,
    schema: { params: AgentParams, response: { 200: AgentDetail } },
  }, async (request, reply) => {
    const { id } = request.params;
    const compiled = ctx.policy.current();
    const agent = compiled.agentsById.get(id);
    if (!agent) throw new OAuthError('not_found', 'no such agent in the policy');
    const nowMs = ctx.clock();
    const [control, activity] = await Promise.all([ctx.store.getAgentControl(id), ctx.store.getActivity(id, nowMs)]);
    const row = buildInventory(compiled, nowMs, (a) => a === id && control.suspended !== null).find((r) => r.id === id);
    if (!row) throw new OAuthError('not_found', 'no such agent in the policy');
    void reply.header('cache-control', 'no-store');
    return agentDetail(agent, joinAgentState(row, control, activity), activity);
  });

  app.get('/discovered', { preParsing: auditor, schema: { response: { 200: ShadowList } } }, async (_request, reply) => {
    const shadows = await ctx.store.listShadows();
    void reply.header('cache-control', 'no-store');
    return {
      discovered: shadows.map((s) => ({
        issuer: s.issuer,
        subject: s.subject,
        first_seen_at: new Date(s.firstSeenMs).toISOString(),
        last_seen_at: new Date(s.lastSeenMs).toISOString(),
        attempts: s.attempts,
        claims: s.claims,
      })),
    };
  });

  app.get('/audit', { preParsing: auditor, schema: { querystring: AuditQuery, response: { 200: AuditList } } }, async (request, reply) => {
    const q = request.query;
    const sinceMs = q.since === undefined ? undefined : parseSince(q.since);
    if (sinceMs === null) throw new OAuthError('invalid_request', 'since must be an ISO 8601 instant or epoch milliseconds');
    const records = await ctx.store.readAudit({
      limit: q.limit ?? DEFAULT_AUDIT_LIMIT,
      ...(q.agent ? { agent: q.agent } : {}),
      ...(sinceMs !== undefined ? { sinceMs } : {}),
    });
    void reply.header('cache-control', 'no-store');
    return { records: records.map((r) => ({ id: r.id, at: new Date(r.atMs).toISOString(), event: r.event, ...(r.agent ? { agent: r.agent } : {}), data: r.data })) };
  });
}
