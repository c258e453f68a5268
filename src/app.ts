/**
 * buildApp(config, deps): the broker's HTTP application. It touches no globals: the clock,
 * store, key ring, policy, audit trail, logger and observers come in as arguments (src/broker.ts
 * builds them, for the server and for tests alike), so tests run it in-process with inject().
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { IssuerKeyResolver, VerifiedTokenCache } from './attestation/index.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { AuditTrail, BrokerContext, OutcomeObserver, PolicyHolder, RevocationKind } from './context.js';
import { createExchange } from './exchange/index.js';
import { installErrorHandler, oauthErrorHandler } from './http/error-handler.js';
import { registerFormParser } from './http/form-body.js';
import { refuseWhileClosing } from './http/closing.js';
import { refuseRepeatedAuthorization } from './http/raw-headers.js';
import { listenerTimeouts } from './http/listener-timeouts.js';
import type { Cluster, Redis } from 'ioredis';
import type { OperatorKeySets } from './admin/index.js';
import type { IssuerKeyHealth } from './credentials/index.js';
import type { NonceIssuer } from './dpop/index.js';
import type { AddressLimiter } from './rate-limit/index.js';
import { adminRoutes, createOperatorAuthDefense } from './routes/admin/index.js';
import { consoleRoutes } from './routes/console/index.js';
import { healthRoutes } from './routes/health.js';
import { introspectRoute } from './routes/introspect.js';
import { jwksRoute } from './routes/jwks.js';
import { metadataRoutes } from './routes/metadata.js';
import { revokeRoute } from './routes/revoke.js';
import { tokenRoute } from './routes/token.js';
import type { KeyRing } from './signing/index.js';
import type { ControlKeeper, Store } from './store/index.js';
import { noSecurityEvents, type Transmitter } from './ssf/index.js';
import { ssfRoutes } from './routes/ssf/index.js';

export interface AppDeps {
  clock: Clock;
  store: Store;
  keyRing: KeyRing;
  policy: PolicyHolder;
  audit: AuditTrail;
  logger: FastifyBaseLogger;
  observers: readonly OutcomeObserver[];
  issuerKeys: IssuerKeyResolver;
  verifiedTokens: VerifiedTokenCache;
  limiter: AddressLimiter;
  keeper?: ControlKeeper;
  onRevoked?: (kind: RevocationKind) => void;
  /** Operator sign-on issuers' key sets, shared by the admin API and the console. */
  operatorKeySets: OperatorKeySets;
  issuerKeyHealth: IssuerKeyHealth;
  /** Shares the introspection, revocation and admin address limits across instances (absent: in-process). */
  rateLimitRedis?: Redis | Cluster;
  /** DPoP server nonces, when STS_DPOP_NONCE is on. */
  dpopNonces?: NonceIssuer;
  /** The Shared Signals transmitter: its routes, and the emitter the actions call. */
  ssf?: Transmitter;
}

/** Every request body is bounded: 64 KiB, then 413. */
const BODY_LIMIT_BYTES = 64 * 1024;

/** Bounded bodies, believed proxies only, and timeouts so slow clients cannot hold connections. */
function serverOptions(config: Readonly<Config>, logger: FastifyBaseLogger) {
  return {
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    ...listenerTimeouts(config),
    // Our own 503 while closing carries Retry-After (fastify's does not).
    return503OnClosing: false,
    // A URL the router cannot read (bad percent-encoding, a parameter over its length bound)
    // is answered in the RFC 6749 §5.2 shape like every other error.
    frameworkErrors: oauthErrorHandler,
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
    observers: [...deps.observers],
    onRevoked: deps.onRevoked ?? (() => {}),
    securityEvents: deps.ssf?.events ?? noSecurityEvents,
  };
}

function baseApp(config: Readonly<Config>, deps: AppDeps): FastifyInstance {
  const app = Fastify(serverOptions(config, deps.logger));
  installErrorHandler(app);
  registerFormParser(app);
  refuseWhileClosing(app);
  refuseRepeatedAuthorization(app);
  return app;
}

export async function buildApp(config: Readonly<Config>, deps: AppDeps): Promise<FastifyInstance> {
  const app = baseApp(config, deps);
  const ctx = brokerContext(config, deps);
  const exchange = createExchange({
    issuer: config.issuer,
    clock: deps.clock,
    store: deps.store,
    policy: deps.policy,
    signer: () => deps.keyRing.currentSigner(),
    ring: deps.keyRing,
    audit: deps.audit,
    observers: deps.observers,
    logger: deps.logger,
    limiter: deps.limiter,
    issuerKeys: deps.issuerKeys,
    verifiedTokens: deps.verifiedTokens,
    ...(deps.keeper ? { keeper: deps.keeper } : {}),
    ...(deps.dpopNonces ? { nonces: deps.dpopNonces } : {}),
  });
  await app.register(tokenRoute, { exchange });
  await app.register(introspectRoute, { ctx, keyRing: deps.keyRing, rateLimitRedis: deps.rateLimitRedis, dpopNonces: deps.dpopNonces });
  await app.register(revokeRoute, { ctx, keyRing: deps.keyRing, rateLimitRedis: deps.rateLimitRedis, issuerKeys: deps.issuerKeys, verifiedTokens: deps.verifiedTokens });
  await app.register(jwksRoute, { keyRing: deps.keyRing });
  await app.register(metadataRoutes, { issuer: config.issuer, signingAlg: config.signingAlg });
  await app.register(healthRoutes, { ctx, keyRing: deps.keyRing, issuerKeyHealth: deps.issuerKeyHealth });
  if (deps.ssf) await app.register(ssfRoutes, { ctx, keyRing: deps.keyRing, transmitter: deps.ssf, rateLimitRedis: deps.rateLimitRedis, dpopNonces: deps.dpopNonces });
  if (config.adminPort === undefined) await registerOperatorPlane(app, config, deps, ctx);
  return app;
}

/** The admin API and the console: on the main listener, or on their own. */
async function registerOperatorPlane(app: FastifyInstance, config: Readonly<Config>, deps: AppDeps, ctx: BrokerContext): Promise<void> {
  const authDefense = createOperatorAuthDefense(ctx, deps.rateLimitRedis);
  app.addHook('onClose', async () => authDefense.close());
  const shared = { ctx, keyRing: deps.keyRing, operatorKeySets: deps.operatorKeySets, issuerKeyHealth: deps.issuerKeyHealth, authDefense };
  await app.register(adminRoutes, { prefix: '/admin', ...shared, rateLimitRedis: deps.rateLimitRedis });
  await app.register(consoleRoutes, { prefix: '/console', ...shared, sessionSecret: config.keyEncryptionKey, rateLimitRedis: deps.rateLimitRedis });
}

/** The admin API on its own listener (STS_ADMIN_HOST/STS_ADMIN_PORT), reachable from the operators' network only. */
export async function buildAdminApp(config: Readonly<Config>, deps: AppDeps): Promise<FastifyInstance> {
  const app = baseApp(config, deps);
  await registerOperatorPlane(app, config, deps, brokerContext(config, deps));
  return app;
}
