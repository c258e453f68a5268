/**
 * Wires what watches token requests: Prometheus metrics and anomaly detection (with webhook
 * alerts and automatic suspension). Kept out of server.ts so tests build the same set.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import { createWebhookAlerter, noAlerts } from './alerts/index.js';
import { createAnomalyDetector, createMemoryAnomalyState, createRedisAnomalyState } from './anomaly/index.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { AuditTrail, OutcomeObserver, PolicyHolder } from './context.js';
import { policyJwksUris, type IssuerKeyHealth } from './credentials/index.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import type { KeyRing } from './signing/index.js';
import type { Store } from './store/types.js';
import type { SecurityEvents } from './ssf/index.js';

export interface ObserverWiring {
  config: Readonly<Config>;
  registry: Registry;
  store: Store;
  audit: AuditTrail;
  holder: PolicyHolder;
  clock: Clock;
  logger: FastifyBaseLogger;
  keyRing: KeyRing;
  issuerKeyHealth?: IssuerKeyHealth;
  defaultMetrics?: boolean;
  /** The anomaly response's suspensions are told to the Shared Signals receivers. */
  securityEvents?: SecurityEvents;
}

export function createObservers(w: ObserverWiring): { metrics: Metrics; observers: OutcomeObserver[]; close(): Promise<void>; flush(): Promise<void> } {
  let storeUp = true;
  const metrics = createMetrics({
    registry: w.registry,
    policy: w.holder,
    clock: w.clock,
    ...(w.defaultMetrics === false ? { defaultMetrics: false } : {}),
    sources: {
      keyAgeSeconds: () => (w.keyRing.currentKeyAgeMs() ?? 0) / 1000,
      shadowCount: async () => (await w.store.listShadows()).length,
      suspendedAgents: async () => {
        const ids = w.holder.current().policy.agents.map((a) => a.id);
        const controls = await Promise.all(ids.map((id) => w.store.getAgentControl(id)));
        return new Set(ids.filter((_, i) => controls[i]?.suspended));
      },
      storeUp: () => storeUp,
      ...(w.issuerKeyHealth ? { issuerKeys: () => w.issuerKeyHealth?.snapshot(policyJwksUris(w.holder.current())) ?? [] } : {}),
    },
  });
  const probe = setInterval(() => {
    const started = performance.now();
    w.store.ping().then(
      () => {
        storeUp = true;
        metrics.storeLatency((performance.now() - started) / 1000);
      },
      () => {
        storeUp = false;
      },
    );
  }, 5_000);
  probe.unref();

  let lastRotations = w.keyRing.rotationCount;
  const rotations = setInterval(() => {
    if (lastRotations >= w.keyRing.rotationCount) return;
    while (lastRotations < w.keyRing.rotationCount) {
      lastRotations++;
      metrics.keyRotated();
    }
    // Every rotation the ring performed (scheduled or not); an operator's request is audited by the admin route too.
    w.audit.tryRecord('key_rotated', { kid: w.keyRing.ready() ? w.keyRing.currentSigner().kid : null, rotations: lastRotations, source: 'key_ring' });
  }, 1_000);
  rotations.unref();

  const alerts =
    w.config.alertWebhooks.length > 0 && w.config.alertWebhookSecret
      ? createWebhookAlerter({ urls: w.config.alertWebhooks, secret: w.config.alertWebhookSecret, logger: w.logger, onResult: (r) => metrics.alertDelivery(r) })
      : noAlerts;
  const redis = 'redis' in w.store ? (w.store as unknown as { redis: Parameters<typeof createRedisAnomalyState>[0] }).redis : undefined;
  const detector = createAnomalyDetector({
    state: redis ? createRedisAnomalyState(redis) : createMemoryAnomalyState(),
    store: w.store,
    audit: w.audit,
    metrics,
    policy: w.holder,
    clock: w.clock,
    alerts,
    logger: w.logger,
    ...(w.securityEvents ? { securityEvents: w.securityEvents } : {}),
  });
  return {
    metrics,
    observers: [metrics, detector],
    flush: () => detector.flush(),
    close: async () => {
      clearInterval(probe);
      clearInterval(rotations);
      await detector.flush();
      await alerts.close();
    },
  };
}
