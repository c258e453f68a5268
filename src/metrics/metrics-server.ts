/**
 * The metrics listener: a bare fastify app serving only `GET /metrics`, listened on
 * STS_METRICS_HOST:STS_METRICS_PORT, never on the port agents use.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export function buildMetricsServer(registry: Registry, options: { logger: FastifyBaseLogger }): FastifyInstance {
  const app = Fastify({ loggerInstance: options.logger });
  // Scrapes arrive every few seconds: keep them out of the info log.
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(body);
  });
  return app as unknown as FastifyInstance;
}
