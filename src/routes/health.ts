/**
 * /healthz: the process lives. /readyz: the broker can mint now (a signing key, a policy,
 * a reachable store and a writable audit trail); 503 otherwise so load balancers route away.
 */
import type { FastifyInstance } from 'fastify';
import type { BrokerContext } from '../context.js';
import { NO_STORE, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../http/index.js';
import type { KeyRing } from '../signing/index.js';

export async function healthRoutes(app: FastifyInstance, options: { ctx: BrokerContext; keyRing: KeyRing }): Promise<void> {
  const { ctx, keyRing } = options;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    const checks = {
      signing_key: keyRing.ready(),
      store: await ctx.store.ping().then(
        () => true,
        (error: unknown) => {
          request.log.warn({ err: error }, 'readiness: store unreachable');
          return false;
        },
      ),
      audit: ctx.audit.healthy() || ctx.audit.probe(),
    };
    const ready = Object.values(checks).every(Boolean);
    void reply.headers(NO_STORE);
    // RFC 9110 §10.2.3: like every 503 of ours, not ready says when to ask again.
    if (!ready) void reply.status(503).header('retry-after', UNAVAILABLE_RETRY_AFTER_SECONDS);
    return reply.send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
