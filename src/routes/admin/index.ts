/**
 * The admin API as one fastify plugin. The app registers it under the `/admin` prefix of the
 * main server, or on its own listener (STS_ADMIN_HOST/STS_ADMIN_PORT) reachable from the
 * operators' network only. Every route authenticates the operator before anything else.
 */
import type { FastifyInstance } from 'fastify';
import { createOperatorKeySets, type AdminKeyRing, type OperatorKeySets } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import { oauthErrorHandler } from '../../http/index.js';
import { registerAgentActions } from './agent-actions.js';
import { createOperatorGuard } from './guard.js';
import { registerKeyTokenActions } from './key-token-actions.js';
import { registerReadRoutes } from './read-routes.js';

export interface AdminRoutesOptions {
  ctx: BrokerContext;
  keyRing: AdminKeyRing;
  /** The operator issuers' key sets; one per process so a policy reload does not refetch. */
  operatorKeySets?: OperatorKeySets;
}

/** Bodies of admin calls are small: a reason, a jti or one token. */
const ADMIN_BODY_LIMIT = 32 * 1024;

export async function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const { ctx, keyRing } = options;
  const guard = createOperatorGuard(ctx, options.operatorKeySets ?? createOperatorKeySets());
  app.setErrorHandler(oauthErrorHandler);
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
}
