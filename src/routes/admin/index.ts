/**
 * The admin API as one fastify plugin. The app registers it under the `/admin` prefix of the
 * main server, or on its own listener (STS_ADMIN_HOST/STS_ADMIN_PORT) reachable from the
 * operators' network only. Every route is limited per client address (STS_RATE_LIMIT_ADMIN),
 * then authenticates the operator, before anything else.
 */
import type { FastifyInstance } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import { createOperatorKeySets, type AdminKeyRing, type OperatorKeySets } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import type { IssuerKeyHealth } from '../../credentials/index.js';
import { limitByAddress, oauthErrorHandler, type TypeBoxApp } from '../../http/index.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { registerAgentActions } from './agent-actions.js';
import { createOperatorGuard } from './guard.js';
import { registerKeyTokenActions } from './key-token-actions.js';
import type { OperatorAuthDefense } from './operator-auth-defense.js';
import { registerPersonActions } from './person-actions.js';
import { registerReadRoutes } from './read-routes.js';
import { registerReportRoutes } from './report-routes.js';

export interface AdminRoutesOptions {
  ctx: BrokerContext;
  keyRing: AdminKeyRing;
  /** The operator issuers' key sets; one per process so a policy reload does not refetch. */
  operatorKeySets?: OperatorKeySets;
  /** Issuer key health, for the credential audit's unreachable jwks_uri findings. */
  issuerKeyHealth?: IssuerKeyHealth;
  /** Shares the address limit across instances (absent: in-process). */
  rateLimitRedis?: Redis | Cluster | undefined;
  /** The backoff and audit of failed operator authentication, shared with the console's sign-in. */
  authDefense: OperatorAuthDefense;
}

/** Bodies of admin calls are small: a reason, a jti or one token. */
const ADMIN_BODY_LIMIT = 32 * 1024;

export async function adminRoutes(plugin: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const { ctx, keyRing } = options;
  const app: TypeBoxApp = plugin.withTypeProvider<TypeBoxTypeProvider>();
  const { backoff, failures } = options.authDefense;
  const guard = createOperatorGuard(ctx, { keySets: options.operatorKeySets ?? createOperatorKeySets(), backoff, failures });
  app.setErrorHandler(oauthErrorHandler);
  await limitByAddress(app, { scope: 'admin', rate: ctx.config.rateLimitAdmin, redis: options.rateLimitRedis });
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= ADMIN_BODY_LIMIT;
  });
  // Inventory, audit and action results are about credentials and people: never cached.
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
  });
  registerReadRoutes(app, ctx, guard);
  registerAgentActions(app, ctx, guard);
  registerKeyTokenActions(app, ctx, guard, keyRing);
  registerPersonActions(app, ctx, guard);
  registerReportRoutes(app, ctx, guard, options.issuerKeyHealth);
}

export { createOperatorAuthDefense, type OperatorAuthDefense } from './operator-auth-defense.js';
export { runAgentOperation, type AgentOperation, type AgentActionResult } from './agent-operations.js';
export { ListAgentsQuery } from './schemas.js';
