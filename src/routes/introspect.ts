/**
 * RFC 7662 token introspection for resource servers. The caller authenticates with a token
 * minted by this broker for the broker itself (`aud` = issuer) with the scope `sts:introspect`,
 * and itself active (a bound token with its DPoP proof, RFC 9449 §7); otherwise 401 (RFC 7662
 * §2.3, RFC 6750 §3; with no credential at all, no error code in challenge or body). The
 * answer includes the delegation (`act`, `subject_issuer`) and the key binding (`cnf`, RFC
 * 9449 §6.2) of the token introspected. A caller whose policy entry lists `introspects` only
 * learns about tokens for those audiences. Calls are limited per client address
 * (STS_RATE_LIMIT_INTROSPECT) before anything else.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Cluster, Redis } from 'ioredis';
import { tokenStatus, type AdminKeyRing } from '../admin/index.js';
import type { BrokerContext } from '../context.js';
import { formBody, refuseQueryString } from '../http/form-body.js';
import { limitByAddress, oauthErrorHandler } from '../http/index.js';
import type { NonceIssuer } from '../dpop/index.js';
import { INTROSPECT_SCOPE, mayIntrospect } from '../policy/index.js';
import { authenticateScopedCaller } from './scoped-caller.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified agent id of the resource server calling the introspection endpoint. */
    introspectionCaller?: string;
  }
}

export interface TokenEndpointOptions {
  ctx: BrokerContext;
  keyRing: AdminKeyRing;
  /** Shares the address limit across instances (absent: in-process). */
  rateLimitRedis?: Redis | Cluster | undefined;
  /** DPoP nonces required of callers with bound tokens (STS_DPOP_NONCE). */
  dpopNonces?: NonceIssuer | undefined;
}

export const TokenForm = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 16_384 }),
  // Accepted and ignored: we only have one kind of token (RFC 7662 §2.1, RFC 7009 §2.1).
  token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
});

const IntrospectionReply = Type.Object({
  active: Type.Boolean(),
  iss: Type.Optional(Type.String()),
  sub: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  aud: Type.Optional(Type.String()),
  exp: Type.Optional(Type.Integer()),
  iat: Type.Optional(Type.Integer()),
  nbf: Type.Optional(Type.Integer()),
  jti: Type.Optional(Type.String()),
  scope: Type.Optional(Type.String()),
  intent: Type.Optional(Type.String()),
  tier: Type.Optional(Type.String()),
  owner: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.String()),
  act: Type.Optional(Type.Unknown()),
  subject_issuer: Type.Optional(Type.String()),
  cnf: Type.Optional(Type.Object({ jkt: Type.String() })),
});

/** RFC 7662 §2.1 / RFC 7009 §2.1: the parameters come UTF-8 form-encoded in the body, never in the URL (the token endpoint's rules). */
export function requireForm(request: FastifyRequest): void {
  refuseQueryString(request.url);
  formBody(request.headers['content-type'], request.body);
}

export async function introspectRoute(plugin: FastifyInstance, options: TokenEndpointOptions): Promise<void> {
  const { ctx, keyRing } = options;
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(oauthErrorHandler);
  await limitByAddress(app, { scope: 'introspect', rate: ctx.config.rateLimitIntrospect, redis: options.rateLimitRedis });

  const authenticateCaller = async (request: FastifyRequest): Promise<void> => {
    request.introspectionCaller = (await authenticateScopedCaller(request, ctx, keyRing, INTROSPECT_SCOPE, options.dpopNonces)).client_id;
  };

  app.post('/oauth/introspect', {
    // After the address limit (onRequest), before the body is read.
    preParsing: authenticateCaller,
    preValidation: async (request) => requireForm(request),
    bodyLimit: 32 * 1024,
    schema: { body: TokenForm, response: { 200: IntrospectionReply } },
  }, async (request, reply) => {
    const { token } = request.body;
    const status = await tokenStatus(token, { ring: keyRing, issuer: ctx.config.issuer, store: ctx.store, nowMs: ctx.clock() });
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    // RFC 7662 §2.2: an inactive token gets `active: false` and nothing else.
    if (!status.active) return { active: false };
    const c = status.claims;
    // RFC 7662 §4: a token meant for another resource server is not this caller's business.
    const caller = ctx.policy.current().agentsById.get(request.introspectionCaller ?? '');
    if (!mayIntrospect(caller, c.aud)) {
      request.log.info({ caller: request.introspectionCaller, audience: c.aud }, 'introspected token is for an audience the caller does not serve');
      return { active: false };
    }
    return {
      active: true,
      iss: c.iss, sub: c.sub, client_id: c.client_id, aud: c.aud,
      exp: c.exp, iat: c.iat, nbf: c.nbf, jti: c.jti,
      scope: c.scope, intent: c.intent, tier: c.tier, owner: c.owner,
      // RFC 9449 §6.2: a bound token is a DPoP token, and its binding is part of the answer.
      token_type: c.cnf ? 'DPoP' : 'Bearer',
      ...(c.act ? { act: c.act, subject_issuer: c.subject_issuer } : {}),
      ...(c.cnf ? { cnf: c.cnf } : {}),
    };
  });
}
