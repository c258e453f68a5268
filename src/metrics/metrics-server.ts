/**
 * The metrics listener: a bare fastify app serving only `GET /metrics`, listened on
 * STS_METRICS_HOST:STS_METRICS_PORT, never on the port agents use. It has the same
 * connection timeouts as the other listeners: it may be reachable from more of the network
 * than a scraper (the image listens on every interface).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { listenerTimeouts, type ListenerTimeoutSettings } from '../http/listener-timeouts.js';

export function buildMetricsServer(registry: Registry, options: { logger: FastifyBaseLogger; timeouts: ListenerTimeoutSettings }): FastifyInstance {
  const app = Fastify({ loggerInstance: options.logger, bodyLimit: 1024, ...listenerTimeouts(options.timeouts) });
  // Scrapes arrive every few seconds: keep them out of the info log.
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(body);
  });
  return app as unknown as FastifyInstance;
}
