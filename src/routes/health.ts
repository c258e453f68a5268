/**
 * /healthz: the process lives. /readyz: the broker can mint now (a signing key, a policy,
 * a reachable store and a writable audit trail); 503 otherwise so load balancers route away.
 * The detail also names every issuer jwks_uri whose keys cannot be fetched: that refuses the
 * issuer's agents only, so it is reported without making the whole instance unready.
 */
import type { FastifyInstance } from 'fastify';
import type { BrokerContext } from '../context.js';
import { policyJwksUris, type IssuerKeyHealth } from '../credentials/index.js';
import { NO_STORE, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../http/index.js';
import type { KeyRing } from '../signing/index.js';

export interface HealthRoutesOptions {
  ctx: BrokerContext;
  keyRing: KeyRing;
  issuerKeyHealth?: IssuerKeyHealth;
}

export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  const { ctx, keyRing, issuerKeyHealth } = options;
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
    const issuerKeys = issuerKeyHealth?.snapshot(policyJwksUris(ctx.policy.current())).map((h) => ({
      jwks_uri: h.jwks_uri,
      status: h.status,
      // Only the error's code here (this route is public); the full cause is in the log and the console.
      ...(h.last_error ? { last_error: h.last_error.split(':')[0], since: h.last_failure_at } : {}),
    }));
    void reply.headers(NO_STORE);
    // RFC 9110 §10.2.3: like every 503 of ours, not ready says when to ask again.
    if (!ready) void reply.status(503).header('retry-after', UNAVAILABLE_RETRY_AFTER_SECONDS);
    return reply.send({ status: ready ? 'ready' : 'not_ready', checks, ...(issuerKeys ? { issuer_keys: issuerKeys } : {}) });
  });
}
