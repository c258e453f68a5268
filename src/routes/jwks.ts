/**
 * GET /.well-known/jwks.json: the public keys of the ring (published ahead of signing, kept
 * after it until every token they signed has expired). max-age stays shorter than the
 * publish-ahead window so a cached copy always holds the key that signs next. A broker that
 * could not load its ring yet (its store unreachable at start) publishes an empty set that no
 * cache may keep: cached, it would fail every token signed once the ring is loaded.
 */
import type { FastifyInstance } from 'fastify';
import type { KeyRing } from '../signing/index.js';

export async function jwksRoute(app: FastifyInstance, options: { keyRing: KeyRing }): Promise<void> {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    const ring = options.keyRing;
    const jwks = ring.jwks();
    return reply
      .header('cache-control', jwks.keys.length === 0 ? 'no-store' : `public, max-age=${ring.jwksMaxAgeSeconds()}`)
      .type('application/jwk-set+json')
      .send(jwks);
  });
}
