/**
 * Auditor reports: the credential audit (`GET /admin/credentials`, JSON or CSV) and explained
 * decisions (`POST /admin/explain`), both computed by pure cores from the live policy and
 * the store, without minting anything.
 */
import type { FastifyInstance } from 'fastify';
import type { BrokerContext } from '../../context.js';
import { auditCredentials, collectCredentialUsage, credentialsCsv, type IssuerKeyHealth } from '../../credentials/index.js';
import { OAuthError } from '../../errors.js';
import { explainDecision, parseIsoDate } from '../../policy/index.js';
import type { OperatorGuard } from './guard.js';
import { CredentialsQuery, ExplainBody } from './schemas.js';
import { prefersCsv } from './views.js';

export function registerReportRoutes(app: FastifyInstance, ctx: BrokerContext, guard: OperatorGuard, issuerKeyHealth?: IssuerKeyHealth): void {
  const auditor = guard.require('auditor');

  app.get('/credentials', { onRequest: auditor, schema: { querystring: CredentialsQuery } }, async (request, reply) => {
    const q = request.query as CredentialsQuery;
    const compiled = ctx.policy.current();
    const nowMs = ctx.clock();
    const report = auditCredentials(compiled, {
      nowMs,
      usage: await collectCredentialUsage(compiled, ctx.store, nowMs),
      ...(q.unused_days !== undefined ? { unusedDays: q.unused_days } : {}),
      ...(issuerKeyHealth ? { reachability: issuerKeyHealth.reachability() } : {}),
    });
    void reply.header('cache-control', 'no-store');
    if (q.format === 'csv' || (q.format === undefined && prefersCsv(request.headers.accept))) {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="credentials.csv"').send(credentialsCsv(report));
    }
    return reply.type('application/json').send(report);
  });

  app.post('/explain', { onRequest: auditor, schema: { body: ExplainBody } }, async (request, reply) => {
    const body = request.body as ExplainBody;
    const nowMs = body.at === undefined ? ctx.clock() : parseIsoDate(body.at);
    if (nowMs === null) throw new OAuthError('invalid_request', 'at must be an ISO 8601 date or date-time with an offset');
    const compiled = ctx.policy.current();
    // The live variant: the store's suspension is part of the decision (unknown agents have none).
    const control = compiled.agentsById.has(body.agent) ? await ctx.store.getAgentControl(body.agent) : { suspended: null };
    const scopes = scopeList(body.scope);
    const person = body.on_behalf_of;
    const explanation = explainDecision(compiled, {
      agentId: body.agent,
      audience: body.audience,
      nowMs,
      suspension: control.suspended,
      ...(body.intent !== undefined ? { intent: body.intent } : {}),
      ...(scopes !== undefined ? { scopes } : {}),
      ...(body.grant !== undefined ? { grant: body.grant } : {}),
      ...(body.dpop !== undefined ? { dpop: body.dpop } : {}),
      ...(person ? {
        onBehalfOf: {
          scopes: scopeList(person.scope) ?? [],
          ...(person.depth !== undefined ? { depth: person.depth } : {}),
          ...(person.expires_in !== undefined ? { remainingMs: person.expires_in * 1000 } : {}),
        },
      } : {}),
    });
    void reply.header('cache-control', 'no-store');
    return explanation;
  });
}

/** RFC 6749 §3.3: space-separated, or already a list. */
function scopeList(scope: string | string[] | undefined): string[] | undefined {
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : scope;
}
