/**
 * The broker's Prometheus metrics on one per-app Registry (never prom-client's global one).
 * The returned object observes token request outcomes and exposes one small method per
 * other event. Gauges that describe state are computed at scrape time from `sources`.
 */
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { ExchangeOutcome, OutcomeObserver, PolicyHolder, RevocationKind } from '../context.js';
import type { AnomalyAction, AnomalyKind } from '../policy/types.js';
import { AGENT_FLAGS, AGENT_STATES } from '../policy/index.js';
import { countAgentStates } from './agent-states.js';
import { delegationCheckLabel, grantLabel, issuedLabels, OTHER, reasonLabel, tierLabel } from './labels.js';

const ANOMALY_KINDS: readonly AnomalyKind[] = ['out_of_scope', 'volume', 'novelty', 'attestation_failure'];

export type AlertDeliveryResult = 'delivered' | 'failed' | 'dropped';

export interface MetricsSources {
  keyAgeSeconds(): number;
  shadowCount(): Promise<number>;
  suspendedAgents(): Promise<Set<string>>;
  storeUp(): boolean;
  /** Issuer key health of the policy's jwks_uris (absent: the gauge stays empty). */
  issuerKeys?(): ReadonlyArray<{ jwks_uri: string; status: 'ok' | 'failing' | 'unknown' }>;
}

interface MetricsOptions {
  registry: Registry;
  policy: PolicyHolder;
  clock: Clock;
  sources: MetricsSources;
  /** Default true; tests building many registries may turn the process metrics off. */
  defaultMetrics?: boolean;
}

export interface Metrics extends OutcomeObserver {
  readonly registry: Registry;
  observe(outcome: ExchangeOutcome): void;
  keyRotated(): void;
  revoked(kind: RevocationKind): void;
  storeLatency(seconds: number): void;
  anomaly(kind: AnomalyKind, action: AnomalyAction): void;
  /** An anomaly detector queue overflowed: outcomes not examined (a group of issued tokens counts each). */
  anomalyDropped(count?: number): void;
  alertDelivery(result: AlertDeliveryResult): void;
  /** A policy reload: applied, or refused because the new file has errors (the previous policy stays). */
  policyReload(result: 'applied' | 'refused'): void;
}

/** Token requests take milliseconds; the tail up to seconds is a store timeout. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];

export function createMetrics(options: MetricsOptions): Metrics {
  const { registry, policy, clock, sources } = options;
  const registers = [registry];
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'sts_token_requests_total', help: 'Token requests by grant, result, denial reason and tier',
    labelNames: ['grant', 'result', 'reason', 'tier'] as const, registers,
  });
  const duration = new Histogram({
    name: 'sts_token_request_duration_seconds', help: 'Token request duration',
    labelNames: ['grant', 'result'] as const, buckets: REQUEST_BUCKETS, registers,
  });
  const issued = new Counter({
    name: 'sts_tokens_issued_total', help: 'Tokens issued by agent and intent (policy names only)',
    labelNames: ['agent', 'intent'] as const, registers,
  });
  // Both gauges come from one count per scrape: whichever collects first counts, the other reuses it.
  let counting: Promise<ReturnType<typeof countAgentStates> | null> | null = null;
  const agentCounts = () =>
    (counting ??= sources.suspendedAgents().then(
      (suspended) => countAgentStates(policy.current(), suspended, clock()),
      () => null, // store down: keep the last values rather than fail the scrape
    ).finally(() => queueMicrotask(() => { counting = null; })));
  new Gauge({
    name: 'sts_agent_state', help: 'Agents by state (active, pending, suspended, retired; exclusive)',
    labelNames: ['state'] as const, registers,
    async collect() {
      const counts = await agentCounts();
      if (counts) for (const state of AGENT_STATES) this.set({ state }, counts.states[state]);
    },
  });
  new Gauge({
    name: 'sts_agent_flag', help: 'Agents not retired with a governance flag (orphaned, review_overdue, review_due_soon)',
    labelNames: ['flag'] as const, registers,
    async collect() {
      const counts = await agentCounts();
      if (counts) for (const flag of AGENT_FLAGS) this.set({ flag }, counts.flags[flag]);
    },
  });
  new Gauge({
    name: 'sts_shadow_agents', help: 'Workloads with a valid attestation that no agent in the policy claims', registers,
    async collect() {
      try {
        this.set(await sources.shadowCount());
      } catch {
        // store down: keep the last value
      }
    },
  });
  new Gauge({
    name: 'sts_signing_key_age_seconds', help: 'Age of the current signing key', registers,
    collect() { this.set(sources.keyAgeSeconds()); },
  });
  new Gauge({
    name: 'sts_issuer_keys_up', help: '1 when the issuer jwks_uri (from the policy) was last fetched, 0 when the last fetch failed',
    labelNames: ['jwks_uri'] as const, registers,
    collect() {
      this.reset(); // a jwks_uri that left the policy leaves the gauge
      for (const h of sources.issuerKeys?.() ?? []) if (h.status !== 'unknown') this.set({ jwks_uri: h.jwks_uri }, h.status === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sts_store_up', help: '1 when the state store answers, 0 otherwise', registers,
    collect() { this.set(sources.storeUp() ? 1 : 0); },
  });
  const rotations = new Counter({ name: 'sts_key_rotations_total', help: 'Signing key rotations', registers });
  const revocations = new Counter({
    name: 'sts_revocations_total', help: 'Revocations by kind (token, agent, key, person)', labelNames: ['kind'] as const, registers,
  });
  const replays = new Counter({ name: 'sts_replays_rejected_total', help: 'Single-use attestations presented again', registers });
  const issuance = new Counter({
    name: 'sts_tokens_issued_by_mode_total', help: 'Tokens issued to an agent for itself (direct) or acting for a person or another agent (delegated)',
    labelNames: ['mode'] as const, registers,
  });
  const delegations = new Counter({
    name: 'sts_delegation_requests_total', help: 'Token requests acting for someone (RFC 8693 delegation) by result, denial reason and the delegation rule that refused',
    labelNames: ['kind', 'result', 'reason', 'check'] as const, registers,
  });
  const storeLatency = new Histogram({
    name: 'sts_store_latency_seconds', help: 'State store round trip latency', buckets: STORE_BUCKETS, registers,
  });
  const anomalies = new Counter({
    name: 'sts_anomalies_total', help: 'Anomaly detections by kind and the action taken',
    labelNames: ['kind', 'action'] as const, registers,
  });
  const anomalyDropped = new Counter({
    name: 'sts_anomaly_outcomes_dropped_total', help: 'Outcomes not examined because the anomaly queue was full', registers,
  });
  const alertDeliveries = new Counter({
    name: 'sts_alert_deliveries_total', help: 'Webhook alert deliveries by result (delivered, failed, dropped)',
    labelNames: ['result'] as const, registers,
  });
  const policyReloads = new Counter({
    name: 'sts_policy_reloads_total', help: 'Policy reloads by result (applied, refused: the file had errors and the previous policy stays)',
    labelNames: ['result'] as const, registers,
  });
  // Series exist from the start, so `increase()` sees the first event (a series born at 1 shows no increase).
  for (const kind of ['token', 'agent', 'key', 'person']) revocations.inc({ kind }, 0);
  for (const kind of ANOMALY_KINDS) for (const action of ['alert', 'suspend']) anomalies.inc({ kind, action }, 0);
  for (const result of ['delivered', 'failed', 'dropped']) alertDeliveries.inc({ result }, 0);
  for (const mode of ['direct', 'delegated']) issuance.inc({ mode }, 0);
  for (const result of ['applied', 'refused']) policyReloads.inc({ result }, 0);

  return {
    registry,
    observe(outcome) {
      const compiled = policy.current();
      const grant = grantLabel(outcome.grant);
      const result = outcome.result === 'issued' ? 'issued' : 'denied';
      requests.inc({ grant, result, reason: reasonLabel(outcome), tier: tierLabel(outcome.tier, compiled) });
      if (outcome.durationSeconds !== undefined && Number.isFinite(outcome.durationSeconds)) {
        duration.observe({ grant, result }, outcome.durationSeconds);
      }
      if (result === 'issued') {
        issued.inc(issuedLabels(outcome.agentId, outcome.intent, compiled));
        issuance.inc({ mode: outcome.onBehalfOf ? 'delegated' : 'direct' });
      } else if (outcome.reason === 'replayed') {
        replays.inc();
      }
      if (outcome.onBehalfOf || outcome.reason === 'delegation') {
        delegations.inc({ kind: outcome.onBehalfOf?.kind ?? OTHER, result, reason: reasonLabel(outcome), check: delegationCheckLabel(outcome) });
      }
    },
    keyRotated: () => rotations.inc(),
    revoked: (kind) => revocations.inc({ kind }),
    storeLatency: (seconds) => storeLatency.observe(seconds),
    anomaly: (kind, action) => anomalies.inc({ kind, action }),
    anomalyDropped: (count = 1) => anomalyDropped.inc(count),
    alertDelivery: (result) => alertDeliveries.inc({ result }),
    policyReload: (result) => policyReloads.inc({ result }),
  };
}
