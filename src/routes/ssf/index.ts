/**
 * The Shared Signals Framework endpoints as one plugin: the public transmitter configuration,
 * and stream management and poll delivery for receivers. Every receiver call is limited per
 * client address (STS_RATE_LIMIT_INTROSPECT, as the other endpoints resource servers call),
 * then authenticated before its body is read: a token of ours for the broker with the scope
 * `ssf:stream` (DPoP-bound ones with a proof); the receiver is the token's agent (client_id).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import type { AdminKeyRing } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import type { NonceIssuer } from '../../dpop/index.js';
import { OAuthError } from '../../errors.js';
import { limitByAddress, oauthErrorHandler, type TypeBoxApp } from '../../http/index.js';
import { SSF_STREAM_SCOPE, type Transmitter } from '../../ssf/index.js';
import { authenticateScopedCaller } from '../scoped-caller.js';
import { registerConfigurationRoute } from './configuration.js';
import { registerPollRoute } from './poll-route.js';
import { registerStreamRoutes } from './stream-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified agent (client_id) managing or polling its Shared Signals streams. */
    ssfReceiver?: string;
  }
}

export interface SsfRoutesOptions {
  ctx: BrokerContext;
  keyRing: AdminKeyRing;
  transmitter: Transmitter;
  rateLimitRedis?: Redis | Cluster | undefined;
  /** DPoP server nonces (STS_DPOP_NONCE), for receivers whose tokens are DPoP-bound. */
  dpopNonces?: NonceIssuer | undefined;
}

/** Stream configurations are small: a URL, a header, a few event types. */
const MANAGEMENT_BODY_LIMIT = 16 * 1024;

export async function ssfRoutes(plugin: FastifyInstance, options: SsfRoutesOptions): Promise<void> {
  const { ctx, keyRing, transmitter } = options;
  registerConfigurationRoute(plugin, ctx.config.issuer);
  await plugin.register(async (scoped) => {
    const app: TypeBoxApp = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.setErrorHandler(oauthErrorHandler);
    await limitByAddress(app, { scope: 'ssf', rate: ctx.config.rateLimitIntrospect, redis: options.rateLimitRedis });
    app.addHook('onRoute', (route) => {
      route.bodyLimit ??= MANAGEMENT_BODY_LIMIT;
    });
    // After the address limit (onRequest), before the body is read.
    app.addHook('preParsing', async (request) => {
      request.ssfReceiver = (await authenticateScopedCaller(request, ctx, keyRing, SSF_STREAM_SCOPE, options.dpopNonces)).client_id;
    });
    // SSF §8.1 and RFC 8936 §2.4 speak JSON: a form body (parsed by the token endpoint's
    // parser, which the app shares) must not pass for a stream configuration with defaults.
    app.addHook('preValidation', async (request) => {
      const type = request.headers['content-type'];
      if (type !== undefined && type.split(';')[0]?.trim().toLowerCase() !== 'application/json') {
        throw new OAuthError('invalid_request', 'stream management and polling take application/json bodies', { status: 415, reason: 'bad_request' });
      }
    });
    app.addHook('onSend', async (_request, reply) => {
      if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    });
    const closing = new AbortController();
    // Long polls end as soon as the broker starts closing, not when they would have timed out.
    app.addHook('preClose', async () => closing.abort());
    registerStreamRoutes(app, transmitter.management);
    registerPollRoute(app, transmitter, closing.signal);
  });
}
