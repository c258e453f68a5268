/**
 * RFC 7009 token revocation. Client authentication: our clients are agents that attest per
 * request and hold no client secret, so possession of the token is the proof (a token can only
 * be revoked by someone who could already use it). A client that names itself (`client_id`)
 * or authenticates (a client assertion) may revoke only a token issued to it (§2.1); a failed
 * authentication is invalid_client. A valid token of ours is revoked until it expires; the
 * answer is 200 with an empty body for any other token too (§2.2), so the endpoint tells
 * nothing about it. A store outage is 503 (§2.2.1). Calls are limited per client address
 * (STS_RATE_LIMIT_REVOKE).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { revocableNow, tokenStatus } from '../tokens/index.js';
import { MAX_TOKEN_BYTES, type IssuerKeyResolver, type VerifiedTokenCache } from '../attestation/index.js';
import { OAuthError, StoreUnavailableError } from '../errors.js';
import type { FormParams } from '../http/form-body.js';
import { limitByAddress, oauthErrorHandler } from '../http/index.js';
import { identifyRevokingClient } from '../tokens/revoking-client.js';
import { requireForm, TokenForm, type TokenEndpointOptions } from './introspect.js';

export interface RevokeOptions extends TokenEndpointOptions {
  /** To verify a client assertion sent with the request, as the token endpoint does. */
  issuerKeys: IssuerKeyResolver;
  verifiedTokens: VerifiedTokenCache;
}

const RevokeForm = Type.Object({
  ...TokenForm.properties,
  client_id: Type.Optional(Type.String({ maxLength: 256 })),
  client_assertion_type: Type.Optional(Type.String({ maxLength: 256 })),
  client_assertion: Type.Optional(Type.String({ maxLength: MAX_TOKEN_BYTES })),
  client_secret: Type.Optional(Type.String({ maxLength: 1024 })),
});

export async function revokeRoute(plugin: FastifyInstance, options: RevokeOptions): Promise<void> {
  const { ctx, keyRing } = options;
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(oauthErrorHandler);
  await limitByAddress(app, { scope: 'revoke', rate: ctx.config.rateLimitRevoke, redis: options.rateLimitRedis });

  app.post('/oauth/revoke', {
    preValidation: async (request) => requireForm(request),
    bodyLimit: 32 * 1024,
    schema: { body: RevokeForm },
  }, async (request, reply) => {
    const { token } = request.body;
    const client = await identifyRevokingClient(request.body as FormParams, request.headers.authorization, {
      policy: ctx.policy.current(), now: ctx.clock, stsIssuer: ctx.config.issuer, tokenEndpoint: ctx.config.tokenEndpoint,
      keys: options.issuerKeys, cache: options.verifiedTokens,
    }, ctx.store);
    const status = await tokenStatus(token, { ring: keyRing, issuer: ctx.config.issuer, store: ctx.store, nowMs: ctx.clock() });
    if (revocableNow(status)) {
      const { jti, client_id: agent, exp } = status.claims;
      // §2.1: a client revokes only the tokens issued to it.
      if (client.clientId !== undefined && client.clientId !== agent) {
        throw new OAuthError('invalid_request', 'the token was not issued to this client', { reason: 'bad_request' });
      }
      const announce = () => ctx.securityEvents.emit({ kind: 'token_revoked', jti, audience: status.claims.aud, atMs: ctx.clock(), initiator: 'user' });
      await ctx.store.revokeToken(jti, exp * 1000).catch((error: unknown) => {
        // A write the store did not confirm may still land: the receivers are told anyway
        // (refusing a token the broker accepts is the safe side; its holder gets a new one).
        if (error instanceof StoreUnavailableError) announce();
        throw error;
      });
      ctx.onRevoked('token');
      announce();
      ctx.audit.tryRecord('token_revoked', { jti, agent, revoked_until: exp * 1000, by: client.authenticated ? 'client' : 'holder', remote_address: request.ip });
    }
    return reply.code(200).header('cache-control', 'no-store').send();
  });
}
