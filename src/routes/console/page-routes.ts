/** The console's read-only pages (auditor role): inventory, one agent, shadow agents, audit trail, keys, credentials, the live chart. */
import type { FastifyInstance } from 'fastify';
import { buildLiveInventory, filterInventory, inventoryCsv } from '../../admin/index.js';
import { activityChart, agentBody, auditBody, bucketActivity, CHART_WINDOW_MS, consoleFilter, credentialsBody, filterQuery, html, inventoryBody, keysBody, shadowsBody, type KeyFacts } from '../../console/index.js';
import { auditCredentials, collectCredentialUsage, credentialsCsv, policyJwksUris, type IssuerKeyHealth } from '../../credentials/index.js';
import { OAuthError } from '../../errors.js';
import type { ConsoleKit } from './kit.js';
import { agentPageData } from './agent-data.js';

const AUDIT_PAGE = 200;
const CHART_READ = 1000;

export interface ConsoleKeySource {
  describeKeys(): KeyFacts[];
  jwksMaxAgeSeconds(): number;
}

export function registerPageRoutes(app: FastifyInstance, kit: ConsoleKit, keys: ConsoleKeySource, health?: IssuerKeyHealth): void {
  const { ctx } = kit;
  const auditor = { preHandler: kit.require('auditor') };
  type Query = Record<string, string | undefined>;

  const chart = async () => {
    const nowMs = ctx.clock();
    const records = await ctx.store.readAudit({ sinceMs: nowMs - CHART_WINDOW_MS, limit: CHART_READ });
    return activityChart(bucketActivity(records, nowMs, records.length >= CHART_READ), '/console/api/activity');
  };

  app.get('/', async (_request, reply) => reply.redirect('/console/inventory', 303));

  app.get('/inventory', auditor, async (request, reply) => {
    const compiled = ctx.policy.current();
    const rows = await buildLiveInventory(compiled, ctx.store, ctx.clock());
    const filter = consoleFilter(request.query as Query);
    const body = inventoryBody({
      rows: filterInventory(rows, filter), total: rows.length, filter,
      owners: [...new Set(rows.map((r) => r.owner))].sort(), tiers: Object.keys(compiled.policy.tiers).sort(),
      chart: await chart(), csvHref: `/console/inventory.csv${filterQuery(filter)}`,
    });
    return kit.page(reply, request, 'Inventory', body, 'inventory');
  });

  app.get('/inventory.csv', auditor, async (request, reply) => {
    const rows = await buildLiveInventory(ctx.policy.current(), ctx.store, ctx.clock());
    const csv = inventoryCsv(filterInventory(rows, consoleFilter(request.query as Query)));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="agents.csv"').send(csv);
  });

  // Polled by the inventory page's script: not operator activity (see SessionUse).
  app.get('/api/activity', { preHandler: kit.require('auditor', { background: true }) }, async (_request, reply) => reply.type('text/html; charset=utf-8').send((await chart()).toString()));

  app.get('/agents/:id', auditor, async (request, reply) => {
    const { id } = request.params as { id: string };
    const data = await agentPageData(ctx, id, request.query as Query, kit.session(request).operator.role);
    if (!data) throw new OAuthError('not_found', 'no such agent in the policy');
    return kit.page(reply, request, id, agentBody(data), 'inventory');
  });

  app.get('/shadows', auditor, async (request, reply) => kit.page(reply, request, 'Shadow agents', shadowsBody(await ctx.store.listShadows()), 'shadows'));

  app.get('/audit', auditor, async (request, reply) => {
    const q = request.query as Query;
    const agent = q.agent?.slice(0, 256) || undefined;
    const event = q.event?.slice(0, 64) || undefined;
    const records = (await ctx.store.readAudit({ limit: event ? 1000 : AUDIT_PAGE, ...(agent ? { agent } : {}) }))
      .filter((r) => event === undefined || r.event === event).slice(0, AUDIT_PAGE);
    return kit.page(reply, request, 'Audit trail', auditBody(records, { ...(agent ? { agent } : {}), ...(event ? { event } : {}) }), 'audit');
  });

  app.get('/keys', auditor, async (request, reply) => {
    const issuers = health?.snapshot(policyJwksUris(ctx.policy.current())) ?? [];
    const body = keysBody({ keys: keys.describeKeys(), nowMs: ctx.clock(), jwksMaxAgeS: keys.jwksMaxAgeSeconds(), issuers });
    return kit.page(reply, request, 'Keys', health ? body : html`${body}<p class="muted">Issuer key health is not wired into this listener.</p>`, 'keys');
  });

  const report = async () => {
    const compiled = ctx.policy.current();
    const nowMs = ctx.clock();
    return auditCredentials(compiled, { nowMs, usage: await collectCredentialUsage(compiled, ctx.store, nowMs), ...(health ? { reachability: health.reachability() } : {}) });
  };
  app.get('/credentials', auditor, async (request, reply) => kit.page(reply, request, 'Credentials', credentialsBody(await report()), 'credentials'));
  app.get('/credentials.csv', auditor, async (_request, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="credentials.csv"').send(credentialsCsv(await report())));
}
