/**
 * createBroker(config, overrides): every part of a running broker, wired once. The server
 * (src/server.ts) calls it and listens; every test helper calls it too, with overrides for the
 * clock, the store, the policy, the audit sink and the key ring's timing, so tests exercise the
 * production wiring. Nothing here reads the environment or listens until `listen()`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildAdminApp, buildApp, type AppDeps } from './app.js';
import { createOperatorKeySets } from './admin/index.js';
import { createNonceIssuer } from './dpop/index.js';
import { createIssuerKeyResolver, VerifiedTokenCache, type IssuerKeyResolver } from './attestation/index.js';
import { createCaFetch, createIssuerKeyHealth, startJwksProbe } from './credentials/index.js';
import { createAuditTrail, type ClosableAuditTrail, type SyncSink } from './audit/index.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';
import { buildMetricsServer, type Metrics } from './metrics/index.js';
import { createObservers } from './observers.js';
import { createPolicyHolder, createPolicyReloader, formatProblems, loadPolicyFile, type MutablePolicyHolder, type PolicyReloader } from './policy/index.js';
import type { CompiledPolicy } from './policy/types.js';
import { createAddressLimiter, type AddressLimiter } from './rate-limit/index.js';
import { KeyRing, type KeyRingOptions } from './signing/index.js';
import { createControlKeeper, createStore, type ControlKeeper, type RedisStore, type Store } from './store/index.js';
import { createTransmitter, policyAudienceScope, type Transmitter } from './ssf/index.js';
import { startKeyRing } from './broker-key-ring.js';
import { listenAll } from './broker-listen.js';
import { warnAboutExposure, warnAboutListeners } from './broker-warnings.js';

export interface BrokerOverrides {
  clock?: Clock;
  logger?: FastifyBaseLogger;
  /** A store built by the caller (tests share one between instances); else from REDIS_URL or the embedded one. */
  store?: Store;
  /** A compiled policy; else STS_POLICY is loaded (and reloaded on change and SIGHUP). */
  policy?: CompiledPolicy;
  /** Where the audit trail goes; else STS_AUDIT_LOG. */
  auditSink?: SyncSink;
  registry?: Registry;
  /** Process metrics (default true); tests building many brokers turn them off. */
  defaultMetrics?: boolean;
  issuerKeys?: IssuerKeyResolver;
  /** Key ring timing beyond the config's bounds (tests: rotation in seconds, a short token lifetime). */
  keyRing?: Partial<Pick<KeyRingOptions, 'rotationMs' | 'publishAheadMs' | 'maxTokenTtlMs' | 'leaseTtlMs' | 'initAttempts' | 'initRetryDelayMs'>>;
  /** The key ring's tick period in ms (default 1000); 0: no timer (tests drive it by hand). */
  keyRingTickMs?: number;
  /** A failure the broker cannot recover from after start (a key ring it cannot decrypt). */
  onFatal?: (error: Error) => void;
}

export interface Broker {
  config: Readonly<Config>;
  clock: Clock;
  logger: FastifyBaseLogger;
  store: Store;
  policy: MutablePolicyHolder;
  audit: ClosableAuditTrail;
  keyRing: KeyRing;
  keeper: ControlKeeper;
  limiter: AddressLimiter;
  registry: Registry;
  metrics: Metrics;
  /** The agents' port; the admin API is under /admin unless STS_ADMIN_PORT gives it its own app. */
  app: FastifyInstance;
  adminApp: FastifyInstance | undefined;
  metricsApp: FastifyInstance;
  reloader: PolicyReloader | undefined;
  /** The Shared Signals transmitter (streams, security events, their delivery). */
  ssf: Transmitter;
  /** Writes what is batched (activity, audit copies, anomaly counts) now. */
  flush(): Promise<void>;
  /** Listens on every configured listener; a ListenError names the one that could not bind. */
  listen(): Promise<void>;
  close(): Promise<void>;
}

/** The policy file has errors: the broker does not start. */
export class PolicyLoadError extends Error {
  constructor(path: string, readonly report: string) {
    super(`the policy ${path} has errors; refusing to start\n${report}`);
    this.name = 'PolicyLoadError';
  }
}

export async function createBroker(config: Readonly<Config>, overrides: BrokerOverrides = {}): Promise<Broker> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  const { holder, load } = await loadPolicy(config, overrides, clock, logger);
  const backingStore = overrides.store ?? (await createStore(config, clock, logger));
  const keeper = createControlKeeper({ store: backingStore, clock, logger, ...(config.stateFile ? { stateFile: config.stateFile } : {}) });
  await keeper.start();
  if (!config.stateFile) logger.warn({ store: backingStore.kind }, unkeptSuspensionsWarning(backingStore.kind));
  // Every writer of control records (admin API, console, anomaly detector) goes through the
  // keeper, so none of them acknowledges a change before it is kept.
  const store = keeper.durableStore;
  const audit = createAuditTrail({ destination: overrides.auditSink ?? config.auditLog, store, clock, logger });
  const keyRing = new KeyRing({
    alg: config.signingAlg, rotationMs: config.keyRotationMs, publishAheadMs: config.keyPublishAheadMs,
    clock, store, logger, ...(config.keyEncryptionKey ? { kek: config.keyEncryptionKey } : {}), ...overrides.keyRing,
  });
  await startKeyRing(keyRing, { tickMs: overrides.keyRingTickMs ?? 1_000, logger, onFatal: overrides.onFatal });
  const registry = overrides.registry ?? new Registry();
  const keys = issuerKeyResolvers(config, overrides, holder, logger);
  const ssf = createTransmitter({
    issuer: config.issuer, settings: config.ssf, clock, logger, store, registry, signer: () => keyRing.currentSigner(),
    scope: policyAudienceScope(() => holder.current()),
    ...(config.keyEncryptionKey ? { kek: config.keyEncryptionKey } : {}),
  });
  const observers = createObservers({
    config, registry, store, audit, holder, clock, logger, keyRing, issuerKeyHealth: keys.health, securityEvents: ssf.events,
    ...(overrides.defaultMetrics === false ? { defaultMetrics: false } : {}),
  });
  const limiter = createAddressLimiter({
    rate: config.rateLimitAddress, clock,
    share: (hits, windowMs) => store.countAddresses(hits, windowMs),
    onShareError: (error) => logger.warn({ err: (error as Error).message }, 'could not count a refused request in the shared address budget'),
  });

  const deps: AppDeps = {
    clock, store, keyRing, policy: holder, audit, logger, observers: observers.observers,
    issuerKeys: keys.issuerKeys, operatorKeySets: keys.operatorKeySets, issuerKeyHealth: keys.health,
    verifiedTokens: new VerifiedTokenCache(),
    limiter, keeper, onRevoked: (kind) => observers.metrics.revoked(kind),
    ...('redis' in store ? { rateLimitRedis: (store as RedisStore).redis } : {}),
    ...(config.dpopNonce ? { dpopNonces: createNonceIssuer(nonceSecret(config), clock) } : {}),
    ssf,
  };
  const app = await buildApp(config, deps);
  const adminApp = config.adminPort !== undefined ? await buildAdminApp(config, deps) : undefined;
  const metricsApp = buildMetricsServer(registry, { logger, timeouts: config });
  const reloader = load ? createReloader(config, holder, load, audit, logger, observers.metrics) : undefined;

  let closing: Promise<void> | undefined;
  return {
    config, clock, logger, store, policy: holder, audit, keyRing, keeper, limiter, registry, metrics: observers.metrics,
    app, adminApp, metricsApp, reloader, ssf,
    flush: async () => {
      await observers.flush();
      await keeper.settle();
      await ssf.events.flush();
    },
    async listen() {
      await listenAll([
        { setting: 'STS_PORT', app, host: config.host, port: config.port },
        ...(adminApp ? [{ setting: 'STS_ADMIN_PORT', app: adminApp, host: config.adminHost, port: config.adminPort ?? 0 }] : []),
        { setting: 'STS_METRICS_PORT', app: metricsApp, host: config.metricsHost, port: config.metricsPort },
      ]);
      warnAboutListeners(config, app, logger);
      warnAboutExposure(config, logger);
      logger.info({ issuer: config.issuer, store: store.kind, policy_version: holder.current().version }, 'agent-sts ready');
    },
    close: () =>
      (closing ??= (async () => {
        reloader?.close();
        keys.probe.stop();
        await app.close();
        await adminApp?.close();
        await metricsApp.close();
        await observers.close();
        await ssf.close();
        await keeper.close();
        await keyRing.close();
        await store.close();
        audit.close();
      })()),
  };
}

type PolicyLoad = () => ReturnType<typeof loadPolicyFile>;

/**
 * DPoP nonces must be accepted by every instance: their secret is derived from the key-encryption
 * key all instances share; without one (the embedded store, one instance) it is this process's own.
 */
function nonceSecret(config: Readonly<Config>): Buffer {
  return config.keyEncryptionKey ? createHmac('sha256', config.keyEncryptionKey).update('agent-sts dpop nonce').digest() : randomBytes(32);
}

async function loadPolicy(config: Readonly<Config>, overrides: BrokerOverrides, clock: Clock, logger: FastifyBaseLogger) {
  if (overrides.policy) return { holder: createPolicyHolder(overrides.policy), load: undefined };
  const load: PolicyLoad = () => loadPolicyFile(config.policyPath, { nowMs: clock(), stsIssuer: config.issuer, production: config.production });
  const initial = await load();
  if (!initial.compiled) throw new PolicyLoadError(config.policyPath, formatProblems(initial.problems));
  if (initial.problems.length > 0) logger.warn({ report: formatProblems(initial.problems) }, 'policy loaded with governance findings');
  return { holder: createPolicyHolder(initial.compiled), load };
}

function createReloader(config: Readonly<Config>, holder: MutablePolicyHolder, load: PolicyLoad, audit: ClosableAuditTrail, logger: FastifyBaseLogger, metrics: Metrics): PolicyReloader {
  return createPolicyReloader({
    path: config.policyPath,
    holder,
    load,
    format: formatProblems,
    logger,
    onReloaded: (next, previous) => {
      metrics.policyReload('applied');
      audit.tryRecord('policy_reloaded', { version: next.version, previous: previous.version });
    },
    onRefused: (problems) => {
      metrics.policyReload('refused');
      audit.tryRecord('policy_reload_refused', { errors: problems.filter((p) => p.severity === 'error').length });
    },
  });
}

/**
 * The process-wide key sets of the issuers the policy names (attestation, people's and
 * operators' sign-on), fetched through the private CA bundle when one is configured, with
 * every jwks_uri fetch reported to the issuer key health (log, metric, readiness detail).
 */
function issuerKeyResolvers(config: Readonly<Config>, overrides: BrokerOverrides, holder: MutablePolicyHolder, logger: FastifyBaseLogger) {
  const health = createIssuerKeyHealth({ logger });
  const fetching = { onFetch: health.record, ...(config.issuerCaBundle ? { fetch: createCaFetch(config.issuerCaBundle) } : {}) };
  const resolver = createIssuerKeyResolver(fetching);
  const issuerKeys = overrides.issuerKeys ?? resolver;
  return {
    health,
    issuerKeys,
    operatorKeySets: createOperatorKeySets(fetching),
    probe: overrides.issuerKeys ? { stop: () => {} } : startJwksProbe({ policy: holder, prober: resolver }),
  };
}

/** Without a state file, a suspension outlives a store that lost its data only while some instance runs. */
function unkeptSuspensionsWarning(kind: string): string {
  return kind === 'memory'
    ? 'suspensions are kept in this process only (embedded store): set STS_STATE_FILE to keep them across restarts'
    : 'STS_STATE_FILE is not set: suspensions made at run time live in the store and in the running instances; if the store loses its data while every instance restarts, they are lost (set STS_STATE_FILE on a volume)';
}
