/**
 * buildApp(config, deps): the broker's HTTP application. It touches no globals: the clock,
 * store, key ring, policy, audit trail, logger and observers come in as arguments, so tests
 * run it in-process with inject() and src/server.ts only wires and listens.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createIssuerKeyResolver, VerifiedTokenCache, type AttestationContext, type IssuerKeyResolver } from './attestation/index.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { AuditTrail, BrokerContext, OutcomeObserver, PolicyHolder, RevocationKind } from './context.js';
import { installErrorHandler } from './http/error-handler.js';
import { registerFormParser } from './http/form-body.js';
import { registerTokenRateLimits } from './rate-limit/index.js';
import { adminRoutes } from './routes/admin/index.js';
import { consoleRoutes } from './routes/console/index.js';
import { healthRoutes } from './routes/health.js';
import { introspectRoute } from './routes/introspect.js';
import { jwksRoute } from './routes/jwks.js';
import { metadataRoutes } from './routes/metadata.js';
import { revokeRoute } from './routes/revoke.js';
import { tokenRoute } from './routes/token.js';
import type { KeyRing } from './signing/index.js';
import type { Store } from './store/types.js';

export interface AppDeps {
  clock: Clock;
  store: Store;
  keyRing: KeyRing;
  policy: PolicyHolder;
  audit: AuditTrail;
  logger: FastifyBaseLogger;
  observers?: OutcomeObserver[];
  issuerKeys?: IssuerKeyResolver;
  verifiedTokens?: VerifiedTokenCache;
  /** Raw Redis client for the shared rate-limit counters (absent: in-process counters). */
  rateLimitRedis?: import('ioredis').Redis | import('ioredis').Cluster;
  onReplay?: () => void;
  onRevoked?: (kind: RevocationKind) => void;
}

/** Every request body is bounded (issue 2: 64 KiB, then 413). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Bounded bodies, believed proxies only, and timeouts so slow clients cannot hold connections (fastify's are off by default). */
function serverOptions(config: Readonly<Config>, logger: FastifyBaseLogger) {
  return {
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    return503OnClosing: true,
  };
}

function brokerContext(config: Readonly<Config>, deps: AppDeps): BrokerContext {
  return {
    config,
    clock: deps.clock,
    logger: deps.logger,
    store: deps.store,
    policy: deps.policy,
    audit: deps.audit,
    observers: deps.observers ?? [],
    onRevoked: deps.onRevoked ?? (() => {}),
  };
}

export async function buildApp(config: Readonly<Config>, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(config, deps.logger));
  const ctx = brokerContext(config, deps);
  installErrorHandler(app);
  registerFormParser(app);

  const issuerKeys = deps.issuerKeys ?? createIssuerKeyResolver();
  const verifiedTokens = deps.verifiedTokens ?? new VerifiedTokenCache();
  const attestation = (): AttestationContext => ({
    policy: deps.policy.current(),
    now: deps.clock,
    stsIssuer: config.issuer,
    tokenEndpoint: config.tokenEndpoint,
    keys: issuerKeys,
    cache: verifiedTokens,
  });

  const limits = await registerTokenRateLimits(app, { address: config.rateLimitAddress, ...(deps.rateLimitRedis ? { redis: deps.rateLimitRedis } : {}) });
  await app.register(tokenRoute, { ctx, keyRing: deps.keyRing, limits, attestation, ...(deps.onReplay ? { onReplay: deps.onReplay } : {}) });
  await app.register(introspectRoute, { ctx, keyRing: deps.keyRing });
  await app.register(revokeRoute, { ctx, keyRing: deps.keyRing });
  await app.register(jwksRoute, { keyRing: deps.keyRing });
  await app.register(metadataRoutes, { issuer: config.issuer, signingAlg: config.signingAlg });
  await app.register(healthRoutes, { ctx, keyRing: deps.keyRing });
  if (config.adminPort === undefined) {
    await app.register(adminRoutes, { prefix: '/admin', ctx, keyRing: deps.keyRing });
    await app.register(consoleRoutes, { prefix: '/console', ctx, keyRing: deps.keyRing, sessionSecret: config.keyEncryptionKey });
  }
  return app;
}

/** The admin API on its own listener (STS_ADMIN_HOST/STS_ADMIN_PORT), reachable from the operators' network only. */
export async function buildAdminApp(config: Readonly<Config>, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(config, deps.logger));
  installErrorHandler(app);
  registerFormParser(app);
  const ctx = brokerContext(config, deps);
  await app.register(adminRoutes, { prefix: '/admin', ctx, keyRing: deps.keyRing });
  await app.register(consoleRoutes, { prefix: '/console', ctx, keyRing: deps.keyRing, sessionSecret: config.keyEncryptionKey });
  return app;
}
