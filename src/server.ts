/**
 * The only place that reads process.env, builds the real dependencies, listens and handles
 * signals. Everything it wires is built by functions tests call directly.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { buildAdminApp, buildApp, type AppDeps } from './app.js';
import { createAuditTrail } from './audit/index.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { ensureDevKeys } from './dev/index.js';
import { createLogger } from './logger.js';
import { createMetrics, buildMetricsServer } from './metrics/index.js';
import { createPolicyHolder, createPolicyReloader, formatProblems, loadPolicyFile } from './policy/index.js';
import { createKeyRing } from './signing/index.js';
import { createStore } from './store/index.js';
import { createObservers } from './observers.js';

export interface RunningBroker {
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function serve(env: NodeJS.ProcessEnv, options: { dev?: boolean } = {}): Promise<RunningBroker> {
  let config: Readonly<Config>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`agent-sts: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (options.dev) await prepareDevKeys(config.policyPath, logger);

  const clock = systemClock;
  const load = () => loadPolicyFile(config.policyPath, { nowMs: clock(), stsIssuer: config.issuer });
  const initial = await load();
  if (!initial.compiled) {
    process.stderr.write(`agent-sts: the policy ${config.policyPath} has errors; refusing to start\n${formatProblems(initial.problems)}\n`);
    process.exit(2);
  }
  if (initial.problems.length > 0) logger.warn({ report: formatProblems(initial.problems) }, 'policy loaded with governance findings');
  const holder = createPolicyHolder(initial.compiled);

  const store = await createStore(config, clock, logger);
  const audit = createAuditTrail({ destination: config.auditLog, store, clock, logger });
  const keyRing = await createKeyRing({
    alg: config.signingAlg,
    rotationMs: config.keyRotationMs,
    publishAheadMs: config.keyPublishAheadMs,
    clock,
    store,
    ...(config.keyEncryptionKey ? { kek: config.keyEncryptionKey } : {}),
    logger,
  });
  keyRing.start();

  const registry = new Registry();
  const { metrics, observers, close: closeObservers } = createObservers({ config, registry, store, audit, holder, clock, logger, keyRing });
  const deps: AppDeps = {
    clock,
    store,
    keyRing,
    policy: holder,
    audit,
    logger,
    observers,
    ...('redis' in store ? { rateLimitRedis: (store as { redis: NonNullable<AppDeps['rateLimitRedis']> }).redis } : {}),
    onReplay: () => metrics.replayRejected(),
    onRevoked: (kind) => metrics.revoked(kind),
  };
  const app = await buildApp(config, deps);
  const admin = config.adminPort !== undefined ? await buildAdminApp(config, deps) : undefined;
  const metricsServer = buildMetricsServer(registry, { logger });

  const reloader = createPolicyReloader({
    path: config.policyPath,
    holder,
    load,
    format: formatProblems,
    logger,
    onReloaded: (next, previous) => audit.record('policy_reloaded', { version: next.version, previous: previous.version }),
    onRefused: (problems) => audit.record('policy_reload_refused', { errors: problems.filter((p) => p.severity === 'error').length }),
  });
  const onHangup = () => void reloader.reload();
  process.on('SIGHUP', onHangup);

  await app.listen({ host: config.host, port: config.port });
  if (admin) await admin.listen({ host: config.adminHost, port: config.adminPort ?? 0 });
  await metricsServer.listen({ host: config.metricsHost, port: config.metricsPort });
  logger.info({ issuer: config.issuer, store: store.kind, policy_version: holder.current().version }, 'agent-sts ready');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      process.off('SIGHUP', onHangup);
      reloader.close();
      await app.close();
      await admin?.close();
      await metricsServer.close();
      await closeObservers();
      await keyRing.close();
      await store.close();
    })());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        },
      );
    });
  }
  return { app, close };
}

async function prepareDevKeys(policyPath: string, logger: Logger): Promise<void> {
  const created = await ensureDevKeys(policyPath);
  if (created.length > 0) {
    logger.warn({ files: created }, 'DEVELOPMENT KEYS generated for the sample policy: never use them in production');
  }
}
