/**
 * /healthz: the process lives. /readyz: the broker can mint now (a signing key, a policy,
 * a reachable store and a writable audit trail); 503 otherwise so load balancers route away.
 */
import type { FastifyInstance } from 'fastify';
import type { BrokerContext } from '../context.js';
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
      // The embedded store's single-use records at capacity: new single-use attestations get 503.
      replay_capacity: ctx.store.health().replayCapacity,
    };
    const ready = Object.values(checks).every(Boolean);
    return reply.status(ready ? 200 : 503).header('cache-control', 'no-store').send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
