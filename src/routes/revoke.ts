/**
 * RFC 7009 token revocation for token holders. Client authentication: our clients are agents
 * that attest per request and hold no client secret, so possession of the token is the proof
 * (a token can only be revoked by someone who could already use it). A valid token of ours is
 * revoked until it expires; the answer is 200 with an empty body either way (§2.2), so the
 * endpoint tells nothing about the token. A store outage is 503 (§2.2.1). Calls are limited
 * per client address (STS_RATE_LIMIT_REVOKE).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { tokenStatus } from '../admin/index.js';
import { limitByAddress, oauthErrorHandler } from '../http/index.js';
import { requireForm, TokenForm, type TokenEndpointOptions } from './introspect.js';

export async function revokeRoute(plugin: FastifyInstance, options: TokenEndpointOptions): Promise<void> {
  const { ctx, keyRing } = options;
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(oauthErrorHandler);
  await limitByAddress(app, { scope: 'revoke', rate: ctx.config.rateLimitRevoke, redis: options.rateLimitRedis });

  app.post('/oauth/revoke', {
    preValidation: async (request) => requireForm(request),
    bodyLimit: 32 * 1024,
    schema: { body: TokenForm },
  }, async (request, reply) => {
    const { token } = request.body;
    const status = await tokenStatus(token, { ring: keyRing, issuer: ctx.config.issuer, store: ctx.store, nowMs: ctx.clock() });
    if (status.active) {
      const { jti, client_id: agent, exp } = status.claims;
      await ctx.store.revokeToken(jti, exp * 1000);
      ctx.onRevoked('token');
      ctx.securityEvents.emit({ kind: 'token_revoked', jti, atMs: ctx.clock(), initiator: 'user' });
      ctx.audit.tryRecord('token_revoked', { jti, agent, revoked_until: exp * 1000, by: 'holder', remote_address: request.ip });
    }
    return reply.code(200).header('cache-control', 'no-store').send();
  });
}
